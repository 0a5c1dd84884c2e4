"""Slack's Socket Mode: the app opens a WebSocket, and Slack sends it envelopes.

As Slack does it (docs.slack.dev/apis/events-api/using-socket-mode, and the
client in slack_sdk/socket_mode/aiohttp/__init__.py and async_client.py that
Roster runs):

- ``apps.connections.open`` takes only an app-level token (``xapp-``, with
  ``connections:write``) and answers a single-use ``wss://…/link/?ticket=…``;
  a bot token is ``not_allowed_token_type``.
- On connecting, the first message is ``hello``. Then every request the app
  would get over HTTP comes as an envelope ``{"envelope_id", "type",
  "payload", "accepts_response_payload"}``: ``slash_commands`` (the command's
  fields as a JSON object), ``interactive`` (the interaction payload),
  ``events_api`` (the whole event callback, plus ``retry_attempt`` and
  ``retry_reason``).
- The app acknowledges with ``{"envelope_id": …}`` and, where the envelope
  accepts one, a ``payload`` (a command's message, a view submission's
  ``response_action``). An ack must come within 3 seconds; an event not
  acknowledged in time is sent again (up to 3 retries, ``retry_reason``
  ``timeout``), anything else is dropped with an error to the person.
- Slack may ask the app to reconnect with a ``disconnect`` message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from slack_emulator.state import SlackError

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator

ACK_SECONDS = 3.0
EVENT_RETRIES = 3
ACCEPTS_RESPONSE = {"slash_commands": True, "interactive": False, "events_api": False}
"""Whether an envelope of each type takes a payload with its ack; for ``interactive``
a view submission and an options request do (their answer is the ack)."""


@dataclass
class Envelope:
    """One envelope sent down the socket, and what came back."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""
    sent_at: float = field(default_factory=time.monotonic)
    acked_after: float | None = None
    """Seconds from sending to the ack; None while unacknowledged."""
    ack_payload: dict[str, Any] | None = None

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            message |= {"retry_attempt": self.retry_attempt, "retry_reason": self.retry_reason}
        return message


class SocketMode:
    """The Socket Mode half of the emulator; ``SlackEmulator.socket_mode``."""

    def __init__(self, slack: SlackEmulator, *, app_token: str, app_id: str) -> None:
        self.slack = slack
        self.app_token = app_token
        self.app_id = app_id
        self.tickets: set[str] = set()
        self.sockets: list[web.WebSocketResponse] = []
        self.envelopes: list[Envelope] = []
        self.unknown_acks: list[dict[str, Any]] = []
        """Acks naming no envelope Slack sent (or sent twice): Slack ignores them."""
        self.ack_seconds = ACK_SECONDS
        """Slack's 3 s; only a test of the retries themselves shortens it."""
        self._acked: dict[str, asyncio.Future[None]] = {}
        self._turn = itertools.count()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/link/", self._link)

    # -- apps.connections.open -------------------------------------------------------

    def open_connection(self, token: str | None) -> dict[str, Any]:
        """A fresh single-use WebSocket URL, for the app-level token only."""
        if not token:
            raise SlackError("not_authed")
        if not token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if token != self.app_token:
            raise SlackError("invalid_auth")
        ticket = secrets.token_hex(8)
        self.tickets.add(ticket)
        host = self.slack.url.removeprefix("http://")
        return {"url": f"ws://{host}/link/?ticket={ticket}&app_id={self.app_id}"}

    # -- the WebSocket ---------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.Response(status=401, text="invalid or used ticket")
        self.tickets.discard(ticket)
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json(self._hello())
        await self.slack._notify()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._received(message.data)
                    await self.slack._notify()
        finally:
            self.sockets.remove(socket)
            await self.slack._notify()
        return socket

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self.sockets),
            "debug_info": {
                "host": "applink-emulator",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _received(self, data: str) -> None:
        """An ack: the envelope it names is answered, once."""
        try:
            ack = json.loads(data)
        except json.JSONDecodeError:
            self.unknown_acks.append({"raw": data})
            return
        envelope_id = ack.get("envelope_id") if isinstance(ack, dict) else None
        waiting = self._acked.get(envelope_id or "")
        envelope = next((e for e in self.envelopes if e.envelope_id == envelope_id), None)
        if waiting is None or waiting.done() or envelope is None:
            self.unknown_acks.append(ack if isinstance(ack, dict) else {"raw": data})
            return
        envelope.acked_after = time.monotonic() - envelope.sent_at
        if envelope.accepts_response_payload and isinstance(ack.get("payload"), dict):
            envelope.ack_payload = ack["payload"]
        waiting.set_result(None)

    # -- what the driver sends -------------------------------------------------------

    async def connected(self, *, timeout: float = 5.0) -> None:
        """Until the app has a socket open."""
        await self.slack.wait_for(lambda: self.sockets, timeout=timeout)

    async def deliver(self, type_: str, payload: dict[str, Any]) -> list[Envelope]:
        """Sends the envelope and waits for its ack as Slack does; an event not
        acknowledged in time is sent again, as a retry. Returns every envelope sent
        for it, the last one deciding (``acked_after`` None: never acknowledged)."""
        accepts = ACCEPTS_RESPONSE[type_] or payload.get("type") in (
            "view_submission",
            "block_suggestion",
        )
        retries = EVENT_RETRIES if type_ == "events_api" else 0
        sent: list[Envelope] = []
        for attempt in range(retries + 1):
            reason = "timeout" if attempt else ""
            envelope = Envelope(str(uuid.uuid4()), type_, payload, accepts, attempt, reason)
            sent.append(envelope)
            if await self._send(envelope):
                break
        return sent

    async def _send(self, envelope: Envelope) -> bool:
        """True when acknowledged within Slack's time."""
        if not self.sockets:
            raise LookupError("no app is connected over Socket Mode")
        socket = self.sockets[next(self._turn) % len(self.sockets)]
        acked = asyncio.get_running_loop().create_future()
        self._acked[envelope.envelope_id] = acked
        self.envelopes.append(envelope)
        await socket.send_json(envelope.message())
        try:
            await asyncio.wait_for(asyncio.shield(acked), self.ack_seconds)
        except TimeoutError:
            return False
        finally:
            await self.slack._notify()
        return True

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack asks every connection to go and open a new one."""
        for socket in list(self.sockets):
            await socket.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-1"}}
            )
