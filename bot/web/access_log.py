"""The access log, with the secret part of password links cut out.

An access log prints each request's path and its Referer, and a password
link's token is in its path: whoever reads the log could set the password.
Every value of the line is redacted, so a token arriving in any header (a
browser's Referer after following the link) is cut as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.web.learner_pages import LINK_PATHS

_TOKEN = re.compile(rf"(/(?:{'|'.join(LINK_PATHS.values())})/)[^\s/?#\"]+")
"""Every path whose next segment is a token (the pages' password links)."""


def redact(text: str) -> str:
    """``/invite/abc…`` becomes ``/invite/…``; anything else is kept."""
    return _TOKEN.sub(r"\1…", text)


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access logger, same format, password-link tokens cut."""

    def _format_line(
        self, request: BaseRequest, response: StreamResponse, time: float
    ) -> Iterable[tuple[str | tuple[str, str], str]]:
        return [
            (key, redact(value) if isinstance(value, str) else value)
            for key, value in super()._format_line(request, response, time)
        ]
