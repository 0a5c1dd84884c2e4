"""Webhooks: the school's other systems told of each event, signed the Standard Webhooks
way (https://www.standardwebhooks.com), retried for a day, then given up on.

A message is ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, keyed with the
bytes of the endpoint's ``whsec_<base64>`` secret. An endpoint failing every delivery
for a day is disabled and the admins are told.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from domain.clock import Clock, utc_now
from domain.entities import Actor
from domain.errors import InvalidInput
from domain.events.model import EventType, LoggedEvent
from domain.events.service import TYPE_NAMES
from domain.permissions import Capability, require
from domain.ports.webhooks import WebhookStore
from domain.webhooks.model import Delivery, Endpoint, WebhookNotFound

RETRIES = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
"""The waits before each retry (Standard Webhooks' schedule, cut at a day)."""
GIVE_UP = timedelta(days=1)
"""A delivery not taken this long after its first try fails; an endpoint that failed
every delivery this long is disabled."""
NOT_SENT = frozenset({EventType.WEBHOOK_FAILED, EventType.WEBHOOK_DISABLED})
"""Events about webhooks themselves: a failing endpoint would otherwise feed itself."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def payload(logged: LoggedEvent) -> bytes:
    """The event as JSON, ``{"type", "timestamp", "data"}`` as Standard Webhooks shows."""
    event = logged.event
    data = {
        "id": event.id,
        "person": logged.user or None,
        "group": logged.group or None,
        "course": logged.course or None,
        "detail": event.detail,
        "how": event.cause.how.value,
        "by": logged.actor or None,
        "bulk_job": event.cause.job_id,
    }
    body = {"type": event.type.value, "timestamp": event.occurred_at.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":")).encode()


def check_url(url: str) -> str:
    """An HTTPS URL with a host; the host's addresses are checked when it is resolved."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidInput("url", f"`{url}` is not an https:// URL; webhooks go over HTTPS only.")
    return parts.geturl()


def refuse_private(url: str, addresses: Sequence[str]) -> None:
    """Loopback, private, link-local and reserved addresses are refused: a webhook must
    not reach into Roster's own network."""
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            raise InvalidInput(
                "url",
                f"{url} resolves to {address}, a private address; webhooks go to the "
                "public internet only (ROSTER_WEBHOOK_ALLOW_PRIVATE lifts this).",
            )


def next_try(delivery: Delivery, now: datetime) -> datetime | None:
    """When to try a failed delivery again; None once a day has passed."""
    wait = RETRIES[min(delivery.attempts, len(RETRIES) - 1)]
    at = now + wait
    return None if at - delivery.created_at > GIVE_UP else at


class WebhookService:
    def __init__(self, store: WebhookStore, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    async def add(self, actor: Actor | None, url: str, words: Sequence[str]) -> Endpoint:
        """Admins only (``actor`` None: the command line, which has the database)."""
        if actor is not None:
            require(actor, Capability.MANAGE_PERMISSIONS)
        unknown = [w for w in words if w.lower() not in TYPE_NAMES]
        if unknown:
            raise InvalidInput(
                "types", f"`{unknown[0]}` is not an event type; e.g. enrolled, completed, user."
            )
        types = frozenset(t for w in words for t in TYPE_NAMES[w.lower()])
        return await self._store.add(
            url=check_url(url), secret=new_secret(), types=types, now=self._clock()
        )

    async def listing(self, actor: Actor | None) -> list[Endpoint]:
        """Admins only (``actor`` None: the command line)."""
        if actor is not None:
            require(actor, Capability.MANAGE_PERMISSIONS)
        return await self._store.listing()

    async def remove(self, endpoint_id: int) -> Endpoint:
        """From the command line, which has the database: the endpoint and what it
        is still owed are gone; its past deliveries stay in the events log."""
        removed = await self._store.remove(endpoint_id)
        if removed is None:
            raise WebhookNotFound(f"#{endpoint_id}")
        return removed

    async def enable(self, endpoint_id: int) -> Endpoint:
        """A disabled endpoint live again, from the events after now."""
        enabled = await self._store.enable(endpoint_id, now=self._clock())
        if enabled is None:
            raise WebhookNotFound(f"#{endpoint_id}")
        return enabled

    async def fan_out(self, limit: int) -> int:
        return await self._store.fan_out(limit=limit, now=self._clock(), skip=NOT_SENT)

    async def due(self, limit: int) -> list[Delivery]:
        return await self._store.due(now=self._clock(), limit=limit)

    async def delivered(self, delivery: Delivery) -> None:
        await self._store.delivered(delivery.id)

    async def failed(self, delivery: Delivery, error: str) -> Endpoint | None:
        """Schedules the retry or gives up; returns the endpoint if this disabled it."""
        now = self._clock()
        at = next_try(delivery, now)
        if at is None:
            await self._store.give_up(delivery, error=error, now=now)
        else:
            await self._store.retry(delivery.id, error=error, at=at, now=now)
        endpoint = delivery.endpoint
        failing = endpoint.failing_since
        if (
            failing is not None
            and now - failing >= GIVE_UP
            and await self._store.disable(endpoint, now=now)
        ):
            return endpoint
        return None
