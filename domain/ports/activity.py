"""Learning activity from the course player."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from domain.entities import Course, Resolved, User
from domain.letters import OutgoingEmail


class ActivityStore(Protocol):
    async def record(
        self,
        batch: Sequence[Resolved],
        emails: Callable[[User, Course], list[OutgoingEmail]],
        now: datetime,
    ) -> set[str]:
        """Stores and applies the events not seen before, in one transaction, with the
        emails of new completions; returns the ids that were new."""
        ...
