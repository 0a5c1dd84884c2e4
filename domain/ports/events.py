"""The school events log: written by the other stores with their changes, read here."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.events.model import Cursor, EventFilter, EventPage


class EventStore(Protocol):
    async def page(self, chosen: EventFilter, *, after: Cursor | None, limit: int) -> EventPage:
        """Newest first, from just after ``after``; by keyset, so every page costs alike."""
        ...

    async def prune(self, *, before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` of the oldest events before ``before``; how many went."""
        ...
