"""The outbox: emails waiting, sent or failed, which is also the Emails log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from domain.entities import LoggedEmail, Page
from domain.events.model import SYSTEM, SchoolEvent
from domain.events.model import EventType as Kind
from domain.letters import Letter, MailState, OutgoingEmail
from storage.events import record
from storage.models import MembershipRow, OutboxRow
from storage.sql import execute_many, fetch_ids

QUEUED = MailState.QUEUED.value


async def queue(
    emails: Sequence[OutgoingEmail], now: datetime, conn: BaseDBAsyncClient | None = None
) -> None:
    """Inside the caller's transaction, so an email exists exactly when its cause does.

    One ``executemany``: a bulk import queues an invitation per person."""
    await execute_many(
        conn,
        "INSERT INTO outbox (user_id, to_address, subject, text_body, html_body, layout, "
        "letter_values, trigger, state, attempts, last_error, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, '', '', ?, ?, ?, ?, 0, '', ?, ?)",
        [
            (
                e.user_id,
                e.to,
                e.subject,
                e.letter.layout.value,
                json.dumps(e.letter.values()),
                e.trigger.value,
                QUEUED,
                now,
                now,
            )
            for e in emails
        ],
    )


class OutboxStore:
    async def queue(
        self, emails: Sequence[OutgoingEmail], now: datetime, *, events: Sequence[SchoolEvent]
    ) -> None:
        async with in_transaction() as conn:
            await queue(emails, now, conn)
            await record(conn, events)

    async def claim(self, now: datetime, limit: int, until: datetime) -> list[LoggedEmail]:
        """One statement takes the due rows by moving their next attempt to ``until``.
        On PostgreSQL, rows another process is taking are skipped (SKIP LOCKED), not
        waited for; SQLite has one writer, so the UPDATE alone is atomic."""
        db = OutboxRow._meta.db
        skip = " FOR UPDATE SKIP LOCKED" if db.capabilities.dialect == "postgres" else ""
        ids = await fetch_ids(
            None,
            "UPDATE outbox SET next_attempt_at = ? WHERE id IN (SELECT id FROM outbox "
            "WHERE state IN (?, ?) AND next_attempt_at <= ? ORDER BY id LIMIT ?"
            f"{skip}) RETURNING id",
            [until, QUEUED, MailState.RETRYING.value, now, limit],
        )
        rows = await OutboxRow.filter(id__in=ids).order_by("id")
        return [_entity(r) for r in rows]

    async def keep(self, email_id: int, held_until: datetime, until: datetime) -> bool:
        """Renews this process's hold on one email, if it is still the hold it took
        (``held_until``); False once another process took the email over."""
        kept = await fetch_ids(
            None,
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ? "
            "AND state IN (?, ?) RETURNING id",
            [until, email_id, held_until, QUEUED, MailState.RETRYING.value],
        )
        return bool(kept)

    async def waiting(self) -> int:
        states = [MailState.QUEUED.value, MailState.RETRYING.value]
        return await OutboxRow.filter(state__in=states).count()

    async def mark(
        self,
        email_id: int,
        state: MailState,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        """A failure for good is a school event too, written with the new state."""
        async with in_transaction() as conn:
            row = await OutboxRow.get(id=email_id, using_db=conn)
            row.state, row.last_error, row.attempts = state.value, error[:2000], row.attempts + 1
            row.next_attempt_at = next_attempt_at or row.next_attempt_at
            row.sent_at = sent_at
            await row.save(using_db=conn)
            if state is MailState.FAILED:
                failed = SchoolEvent(
                    Kind.EMAIL_FAILED,
                    datetime.now(UTC),
                    SYSTEM,
                    row.user_id,
                    detail=f"{row.trigger} to {row.to_address}: {error[:200]}",
                )
                await record(conn, [failed])

    async def log(
        self, *, trigger: str | None, since: datetime | None, offset: int, limit: int
    ) -> Page[LoggedEmail]:
        query = OutboxRow.all()
        if trigger:
            query = query.filter(trigger=trigger)
        if since:
            query = query.filter(created_at__gte=since)
        total = await query.count()
        rows = await query.order_by("-id").offset(offset).limit(limit)
        return Page(tuple(_entity(r) for r in rows), total=total, offset=offset, limit=limit)

    async def to_group(
        self, group_id: int, *, since: datetime, until: datetime, limit: int
    ) -> tuple[dict[str, int], list[LoggedEmail]]:
        members = Subquery(MembershipRow.filter(group_id=group_id).values("user_id"))
        query = OutboxRow.filter(user_id__in=members, created_at__gte=since, created_at__lte=until)
        counted = await query.annotate(n=Count("id")).group_by("state").values("state", "n")
        troubled = query.filter(state__in=[MailState.FAILED.value, MailState.RETRYING.value])
        rows = await troubled.order_by("-id").limit(limit)
        return {str(c["state"]): int(c["n"]) for c in counted}, [_entity(r) for r in rows]


def _bodies(row: OutboxRow) -> tuple[str, str]:
    """The email's text and HTML: rendered from its letter, or as stored by an older
    Roster (and empty once its person was deleted)."""
    if not (row.layout and row.letter_values):
        return row.text_body, row.html_body
    letter = Letter.stored(row.layout, json.loads(row.letter_values))
    return letter.text, letter.html


def _entity(row: OutboxRow) -> LoggedEmail:
    text, page = _bodies(row)
    return LoggedEmail(
        id=row.id,
        user_id=row.user_id,
        to=row.to_address,
        subject=row.subject,
        text=text,
        html=page,
        trigger=row.trigger,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )
