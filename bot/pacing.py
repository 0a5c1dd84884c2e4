"""Slack's posting pace, kept on Roster's side: one budget per channel for the process.

Slack lets an app post about one message a second in a channel, with short bursts
(https://docs.slack.dev/apis/web-api/rate-limits), and answers 429 beyond that.
Roster posts in people's direct messages from many places at once: previews,
approval requests, replies in threads, and the bulk-job runner's progress,
summaries and results (several jobs for one person land in the same message).
Every post goes through one ``Pacer`` per process, so together they stay within
the channel's pace instead of each keeping its own and bursting past it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack_presence import RosterClient

POST_INTERVAL = 1.0
"""Slack's pace per channel: about one message a second."""
BURST = 2
"""Messages that may go back to back before the pace applies (Slack allows short
bursts without saying how short; two stays well inside them)."""
EDIT_INTERVAL = 1.2
"""chat.update is Tier 3, 50 calls a minute: one message edited every 1.2 s at most."""
UPLOAD_INTERVAL = 0.6
"""files.getUploadURLExternal and files.completeUploadExternal are Tier 4, about 100
calls a minute for the whole workspace: one file every 0.6 s stays under it."""
UPLOAD_BURST = 20
"""Files that may go at once before that pace applies, a fifth of a minute's quota."""
_UPLOADS = "files"
"""The pacer's key for the workspace's uploads (no channel id looks like it)."""


class Pacer:
    """Spaces the messages Roster sends to each channel.

    Each channel keeps the time its next message is due (a token bucket in the
    form of the generic cell rate algorithm): up to ``BURST`` messages go at once,
    then one every ``POST_INTERVAL``. ``scale`` is how many real seconds one of
    Slack's seconds lasts (tests shorten it together with the emulator's; 0 turns
    pacing off).
    """

    def __init__(self, scale: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = POST_INTERVAL * scale
        self._tolerance = (BURST - 1) * self._interval
        self._upload_interval = UPLOAD_INTERVAL * scale
        self._clock = clock
        self._due: dict[str, float] = {}
        self.edit_interval = EDIT_INTERVAL * scale

    def try_take(self, channel: str) -> bool:
        """Takes a slot when one is free now; False (and nothing taken) otherwise. For
        a message that may be skipped, like a progress edit a newer one will replace."""
        now = self._clock()
        due = max(self._due.get(channel, now), now)
        if due - now > self._tolerance:
            return False
        self._due[channel] = due + self._interval
        return True

    async def wait(self, channel: str) -> None:
        """Takes the channel's next slot, waiting until it comes. Slots are handed out
        in the order asked for, so waiting messages keep their order."""
        await self._slot(channel, self._interval, self._tolerance)

    async def upload(self, files: int) -> None:
        """Takes the workspace's upload slots for ``files`` files, waiting until they
        come: a burst of scheduled reports' charts would otherwise meet Slack's 429s
        for longer than the retries wait."""
        tolerance = (UPLOAD_BURST - 1) * self._upload_interval
        for _ in range(files):
            await self._slot(_UPLOADS, self._upload_interval, tolerance)

    async def _slot(self, key: str, interval: float, tolerance: float) -> None:
        now = self._clock()
        due = max(self._due.get(key, now), now)
        self._due[key] = due + interval
        delay = due - now - tolerance
        if delay > 0:
            await asyncio.sleep(delay)


class PacedClient(RosterClient):
    """Roster's Web API client (every listener and worker uses the one the app
    builds), whose posts (messages and shared files) each wait for their channel's
    turn in the process's ``Pacer``; everything else goes straight out."""

    def __init__(self, *args: Any, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer

    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> AsyncSlackResponse:
        await self.pacer.wait(channel)
        return await super().chat_postMessage(channel=channel, **kwargs)

    async def files_upload_v2(
        self, *, channel: str | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        """Each file takes a turn in the workspace's uploads, and sharing them posts a
        message in the channel, which takes the channel's turn too."""
        await self.pacer.upload(len(kwargs.get("file_uploads") or [None]))
        if channel:
            await self.pacer.wait(channel)
        return await super().files_upload_v2(channel=channel, **kwargs)


class PacedRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's handler for 429s, waiting Slack's ``Retry-After`` on the process's
    time scale: at 1.0 exactly as slack_sdk does (the whole seconds Slack names, plus
    up to a second of jitter); tests shorten it along with the emulator's limits."""

    def __init__(self, *, scale: float = 1.0, max_retry_count: int = 5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._scale = scale

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("a retry without a response")
        state.next_attempt_requested = True
        named = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        seconds = int(named[0]) if named else 1
        await asyncio.sleep((seconds + random.random()) * self._scale)
        state.increment_current_attempt()
