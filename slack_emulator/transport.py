"""How Slack's requests reach the app: signed HTTP, or envelopes over Socket Mode.

Both behave as Slack does about time (docs.slack.dev/apis/events-api, "Responding
to events" and "Failure conditions"; docs.slack.dev/interactivity/handling-user-interaction,
"Acknowledgment response"): Slack waits 3 seconds for the app's answer and then
gives up. A command or interaction that late fails for the person
(``operation_timeout``); an event is retried, up to 3 times, with
``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason`` (``http_timeout`` when the app
was slow, ``http_error`` when it answered anything but 2xx), while the first
delivery may still be running in the app. Slack spaces its retries (at once,
after a minute, after five); ``retry_delays`` lets a test keep them short.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from slack_emulator.socket_mode import SocketMode

ACK_SECONDS = 3.0
TIMED_OUT = 0
"""The status of a delivery Slack stopped waiting for."""


@dataclass(frozen=True)
class Attempt:
    """One try at delivering: what the app answered, and when it did."""

    status: int
    body: str
    seconds: float
    retry_num: int = 0
    retry_reason: str = ""


@dataclass
class Delivery:
    """Every try at one request, the last one deciding what Slack makes of it."""

    attempts: list[Attempt] = field(default_factory=list)

    @property
    def status(self) -> int:
        return self.attempts[-1].status

    @property
    def body(self) -> str:
        return self.attempts[-1].body


class HttpTransport:
    """Signed POSTs to the app's request URL, as Slack sends them."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        session: aiohttp.ClientSession,
        *,
        retry_delays: tuple[float, ...] = (0.0, 0.0, 0.0),
    ) -> None:
        self.url = url
        self.session = session
        self.retry_delays = retry_delays
        self.ack_seconds = ACK_SECONDS
        """Slack's 3 s; only a test of the retries themselves shortens it."""
        self._verifier = SignatureVerifier(signing_secret)

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Attempt:
        """One signed request; the app gets 3 seconds to answer, as from Slack."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signed = signature or self._verifier.generate_signature(timestamp=ts, body=body)
        assert signed is not None  # None only without a timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signed,
            **(extra_headers or {}),
        }
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=self.ack_seconds)
        try:
            async with self.session.post(
                self.url, data=body.encode(), headers=headers, timeout=timeout
            ) as answer:
                text = await answer.text()
                return Attempt(answer.status, text, time.monotonic() - started)
        except TimeoutError:
            return Attempt(TIMED_OUT, "", time.monotonic() - started)

    async def command(self, fields: dict[str, str]) -> Delivery:
        attempt = await self.post(urllib.parse.urlencode(fields), _FORM)
        return Delivery([attempt])

    async def interactive(self, payload: dict[str, Any]) -> Delivery:
        attempt = await self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), _FORM)
        return Delivery([attempt])

    async def event(self, envelope: dict[str, Any]) -> Delivery:
        """Retried as Slack retries a delivery that failed or took too long."""
        body, delivery = json.dumps(envelope), Delivery()
        for retry_num in range(len(self.retry_delays) + 1):
            headers: dict[str, str] = {}
            reason = ""
            if retry_num:
                reason = _retry_reason(delivery.attempts[-1])
                headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason}
                await asyncio.sleep(self.retry_delays[retry_num - 1])
            attempt = await self.post(body, "application/json", extra_headers=headers)
            delivery.attempts.append(
                Attempt(attempt.status, attempt.body, attempt.seconds, retry_num, reason)
            )
            if 200 <= attempt.status < 300:
                break
        return delivery


class SocketTransport:
    """Envelopes down the app's Socket Mode connection, acknowledged over it."""

    def __init__(self, socket_mode: SocketMode) -> None:
        self.socket_mode = socket_mode

    async def command(self, fields: dict[str, str]) -> Delivery:
        return await self._deliver("slash_commands", dict(fields))

    async def interactive(self, payload: dict[str, Any]) -> Delivery:
        return await self._deliver("interactive", payload)

    async def event(self, envelope: dict[str, Any]) -> Delivery:
        return await self._deliver("events_api", envelope)

    async def _deliver(self, kind: str, payload: dict[str, Any]) -> Delivery:
        delivery = Delivery()
        for sent in await self.socket_mode.deliver(kind, payload):
            late = sent.acked_after is None or sent.acked_after > self.socket_mode.ack_seconds
            body = json.dumps(sent.ack_payload) if sent.ack_payload else ""
            delivery.attempts.append(
                Attempt(
                    TIMED_OUT if late else 200,
                    "" if late else body,
                    sent.acked_after or self.socket_mode.ack_seconds,
                    sent.retry_attempt,
                    sent.retry_reason,
                )
            )
        return delivery


_FORM = "application/x-www-form-urlencoded"


def _retry_reason(last: Attempt) -> str:
    return "http_timeout" if last.status == TIMED_OUT else "http_error"
