"""Sending webhooks: each round, new events become deliveries and the due ones go out.

It runs on the scheduler, so only the leading process sends. A delivery is a POST of
the event's JSON with the Standard Webhooks headers; any 2xx takes it. Anything else
(an error status, a timeout, a refused connection, an address that turned private)
schedules a retry, until a day has passed. An endpoint that failed every delivery for
a day is disabled, and every admin is told in Slack.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.services import Services
from bot.views.webhooks import disabled_notice
from domain.errors import InvalidInput
from domain.webhooks.model import Delivery, Endpoint
from domain.webhooks.service import payload, refuse_private, signature

log = logging.getLogger("roster.webhooks")

AT_ONCE = 200
"""Deliveries sent per round; the rest wait for the next."""
TIMEOUT = aiohttp.ClientTimeout(total=10)


async def addresses(url: str) -> list[str]:
    """The addresses the URL's host resolves to."""
    parts = urlsplit(url)
    found = await asyncio.get_running_loop().getaddrinfo(
        parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
    )
    return sorted({str(info[4][0]) for info in found})


async def check_reachable(url: str, *, allow_private: bool) -> None:
    """Refuses a URL whose host is private, unless allowed (tests, an intranet)."""
    if not allow_private:
        refuse_private(url, await addresses(url))


def tls(ca_file: str | None) -> ssl.SSLContext:
    """The system's trusted authorities, and ``ca_file``'s when given."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(ca_file)
    return context


class WebhookSender:
    def __init__(
        self,
        client: AsyncWebClient,
        services: Services,
        *,
        allow_private: bool,
        ca_file: str | None,
    ) -> None:
        self._client = client
        self._services = services
        self._allow_private = allow_private
        self._tls = tls(ca_file)

    async def round(self) -> None:
        webhooks = self._services.webhooks
        await webhooks.fan_out(limit=10_000)
        due = await webhooks.due(AT_ONCE)
        if not due:
            return
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for delivery in due:
                error = await self._send(session, delivery)
                if error is None:
                    await webhooks.delivered(delivery)
                    continue
                disabled = await webhooks.failed(delivery, error)
                if disabled is not None:
                    await self._tell_admins(disabled)

    async def _send(self, session: aiohttp.ClientSession, delivery: Delivery) -> str | None:
        """None when taken; otherwise what went wrong, for the log."""
        url = delivery.endpoint.url
        body = payload(delivery.event)
        message_id = f"msg_{delivery.event.event.id}"
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature(delivery.endpoint.secret, message_id, stamp, body),
        }
        try:
            await check_reachable(url, allow_private=self._allow_private)
            async with session.post(url, data=body, headers=headers, ssl=self._tls) as answer:
                if 200 <= answer.status < 300:
                    return None
                return f"HTTP {answer.status}"
        except InvalidInput as refused:
            return refused.message
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return f"{type(error).__name__}: {error}"[:300]

    async def _tell_admins(self, endpoint: Endpoint) -> None:
        text = disabled_notice(endpoint)
        for admin in await self._services.users.admin_slack_ids():
            channel = await slack_people.direct_message(self._client, admin)
            await self._client.chat_postMessage(channel=channel, text=text)
