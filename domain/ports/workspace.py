"""Slack deliveries taken on, Roster's departure, deactivated accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.entities import Departure
from domain.letters import OutgoingEmail


class WorkspaceStore(Protocol):
    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """True when this event id was not claimed before (by any process)."""
        ...

    async def forget_events(self, *, before: datetime) -> int: ...
    async def departure(self) -> Departure | None: ...
    async def depart(self, departure: Departure, emails: Sequence[OutgoingEmail]) -> bool:
        """Records the departure and queues ``emails`` with it, unless one is already
        recorded (then False, and nothing is queued)."""
        ...

    async def clear_departure(self) -> Departure | None: ...
    async def set_deactivated(
        self,
        user_id: int,
        at: datetime | None,
        emails: Sequence[OutgoingEmail],
        now: datetime,
    ) -> bool:
        """Marks the user's Slack account deactivated since ``at`` (None: active), with
        the ``emails`` in the same transaction; False, changing nothing, when it
        already was in that state."""
        ...
