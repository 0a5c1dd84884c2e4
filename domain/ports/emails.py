"""The outbox (also the Emails log) and school-wide settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from domain.entities import LoggedEmail, Page
from domain.events.model import SchoolEvent
from domain.letters import MailState, OutgoingEmail


class OutboxStore(Protocol):
    async def queue(
        self, emails: Sequence[OutgoingEmail], now: datetime, *, events: Sequence[SchoolEvent]
    ) -> None:
        """The emails, and the events of what they do (an invitation sent again), in one
        transaction."""
        ...

    async def claim(self, now: datetime, limit: int, until: datetime) -> list[LoggedEmail]:
        """Up to ``limit`` emails due at ``now``, taken until ``until``: no other
        process gets them before then, and if this one dies they are due again then."""
        ...

    async def keep(self, email_id: int, held_until: datetime, until: datetime) -> bool:
        """Renews a hold taken by ``claim`` (still ``held_until``); False once another
        process took the email over."""
        ...

    async def waiting(self) -> int: ...
    async def mark(
        self,
        email_id: int,
        state: MailState,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
        sent_at: datetime | None = None,
    ) -> None: ...
    async def log(
        self, *, trigger: str | None, since: datetime | None, offset: int, limit: int
    ) -> Page[LoggedEmail]: ...
    async def to_group(
        self, group_id: int, *, since: datetime, until: datetime, limit: int
    ) -> tuple[dict[str, int], list[LoggedEmail]]:
        """Emails queued from ``since`` to ``until`` for the group's members: how many
        in each state, and the newest ``limit`` of those failed or still retrying."""
        ...


class SettingsStore(Protocol):
    async def get(self, key: str, default: Any) -> Any: ...
    async def put(self, key: str, value: Any) -> None: ...
    async def change(self, key: str, value: Any) -> bool:
        """Stores ``value``; True only for the one caller that changed it (atomic)."""
        ...
