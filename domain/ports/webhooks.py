"""What webhooks need from storage: endpoints, their deliveries, and the log."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.events.model import EventType
from domain.webhooks.model import Delivery, Endpoint


class WebhookStore(Protocol):
    async def add(
        self, *, url: str, secret: str, types: frozenset[EventType], now: datetime
    ) -> Endpoint:
        """A new endpoint, sent the events after the latest one."""
        ...

    async def listing(self) -> list[Endpoint]: ...
    async def remove(self, endpoint_id: int) -> Endpoint | None:
        """Deletes it with what it is still owed; None if there is no such endpoint."""
        ...

    async def enable(self, endpoint_id: int, *, now: datetime) -> Endpoint | None:
        """Live again, no longer failing, sent the events after the latest one (what
        happened while it was off is in the log, not resent); None if unknown."""
        ...

    async def fan_out(self, *, limit: int, now: datetime, skip: frozenset[EventType]) -> int:
        """Turns the events after each live endpoint's cursor into its deliveries."""
        ...

    async def due(self, *, now: datetime, limit: int) -> list[Delivery]: ...
    async def delivered(self, delivery_id: int) -> None:
        """Taken: the delivery is done and its endpoint no longer failing."""
        ...

    async def retry(self, delivery_id: int, *, error: str, at: datetime, now: datetime) -> None:
        """Failed this time, tried again ``at``; the endpoint is failing since ``now``
        unless it already was."""
        ...

    async def give_up(self, delivery: Delivery, *, error: str, now: datetime) -> None:
        """Failed for good: marked, and a ``webhook.failed`` event in the log."""
        ...

    async def disable(self, endpoint: Endpoint, *, now: datetime) -> bool:
        """Disables it with a ``webhook.disabled`` event; False if it already was."""
        ...
