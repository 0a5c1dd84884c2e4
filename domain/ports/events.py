"""The school events log: written by the other stores with their changes, read here."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.events.model import (
    Cursor,
    EventFilter,
    EventPage,
    EventType,
    LoggedEvent,
    Subscription,
)


class EventStore(Protocol):
    async def page(self, chosen: EventFilter, *, after: Cursor | None, limit: int) -> EventPage:
        """Newest first, from just after ``after``; by keyset, so every page costs alike."""
        ...

    async def prune(self, *, before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` of the oldest events before ``before``; how many went."""
        ...

    async def counts(self, chosen: EventFilter) -> dict[EventType, int]:
        """How many events of each type ``chosen`` keeps."""
        ...

    async def latest_id(self) -> int:
        """The newest event's id; 0 when there is none."""
        ...

    async def after(
        self, last_id: int, chosen: EventFilter, *, upto: int, limit: int
    ) -> list[LoggedEvent]:
        """Events with ids in (``last_id``, ``upto``] that ``chosen`` keeps, oldest first:
        what a feed has not handled yet."""
        ...


class SubscriptionStore(Protocol):
    async def save(
        self, *, channel: str, group_id: int | None, types: frozenset[EventType], by: int | None
    ) -> tuple[Subscription, bool]:
        """Subscribes the channel to the group (None: the school), or changes the types of
        its subscription; True when new. A new one starts after the latest event."""
        ...

    async def listing(self, group_ids: frozenset[int] | None) -> list[Subscription]:
        """The subscriptions to these groups (None: all, the school's included)."""
        ...

    async def remove(self, subscription_id: int) -> bool: ...

    async def advance(self, subscription_id: int, cursor: int) -> None:
        """Records that the feed handled every event up to ``cursor`` for it."""
        ...
