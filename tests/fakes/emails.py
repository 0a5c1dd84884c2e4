"""The outbox (which is also the Emails log) and school settings, as storage/outbox.py and
storage/settings.py keep them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.entities import LoggedEmail, Page
from domain.events.model import SchoolEvent
from domain.letters import MailState, OutgoingEmail
from tests.fakes.tables import Database, OutboxRow

WAITING = (MailState.QUEUED.value, MailState.RETRYING.value)


def queue(db: Database, emails: Sequence[OutgoingEmail], now: datetime) -> None:
    """Inside the caller's transaction, as the real ``queue`` is."""
    for e in emails:
        row = OutboxRow(
            id=db.next_id(),
            user_id=e.user_id,
            to=e.to,
            subject=e.subject,
            text=e.text,
            html=e.html,
            trigger=e.trigger.value,
            state=MailState.QUEUED.value,
            attempts=0,
            last_error="",
            created_at=now,
            next_attempt_at=now,
        )
        db.tables.outbox[row.id] = row


class FakeOutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def queue(
        self, emails: Sequence[OutgoingEmail], now: datetime, *, events: Sequence[SchoolEvent]
    ) -> None:
        """Events are not faked: storage's tests check them."""
        queue(self._db, emails, now)

    async def claim(self, now: datetime, limit: int, until: datetime) -> list[LoggedEmail]:
        rows = self._db.tables.outbox.values()
        due = [r for r in rows if r.state in WAITING and r.next_attempt_at <= now]
        taken = sorted(due, key=lambda r: r.id)[:limit]
        for row in taken:
            row.next_attempt_at = until
        return [_entity(r) for r in taken]

    async def keep(self, email_id: int, held_until: datetime, until: datetime) -> bool:
        row = self._db.tables.outbox[email_id]
        if row.state not in WAITING or row.next_attempt_at != held_until:
            return False
        row.next_attempt_at = until
        return True

    async def waiting(self) -> int:
        return sum(r.state in WAITING for r in self._db.tables.outbox.values())

    async def mark(
        self,
        email_id: int,
        state: MailState,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        row = self._db.tables.outbox[email_id]
        row.state, row.last_error, row.attempts = state.value, error[:2000], row.attempts + 1
        row.next_attempt_at = next_attempt_at or row.next_attempt_at
        row.sent_at = sent_at

    async def log(
        self, *, trigger: str | None, since: datetime | None, offset: int, limit: int
    ) -> Page[LoggedEmail]:
        rows = sorted(self._db.tables.outbox.values(), key=lambda r: r.id, reverse=True)
        if trigger:
            rows = [r for r in rows if r.trigger == trigger]
        if since:
            rows = [r for r in rows if r.created_at >= since]
        items = tuple(_entity(r) for r in rows[offset : offset + limit])
        return Page(items, total=len(rows), offset=offset, limit=limit)


class FakeSettingsStore:
    """Values go through JSON as in the real table: a tuple put is a list got back."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str, default: Any) -> Any:
        stored = self._db.tables.settings.get(key)
        return default if stored is None else json.loads(stored)

    async def put(self, key: str, value: Any) -> None:
        self._db.tables.settings[key] = json.dumps(value)

    async def change(self, key: str, value: Any) -> bool:
        stored = json.dumps(value)
        changed = self._db.tables.settings.get(key) != stored
        self._db.tables.settings[key] = stored
        return changed


def _entity(row: OutboxRow) -> LoggedEmail:
    return LoggedEmail(
        id=row.id,
        user_id=row.user_id,
        to=row.to,
        subject=row.subject,
        text=row.text,
        html=row.html,
        trigger=row.trigger,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )
