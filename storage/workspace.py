"""Slack deliveries taken on, Roster's departure from Slack, deactivated accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.entities import Departure
from domain.letters import OutgoingEmail
from storage.models import SchoolSettingRow, SlackEventRow, UserRow
from storage.outbox import queue
from storage.sql import fetch_ids

DEPARTURE = "slack.departure"
"""The settings row that exists while Slack does not take Roster's token."""


class WorkspaceStore:
    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """One statement, so two processes given the same event cannot both win."""
        claimed = await fetch_ids(
            None,
            "INSERT INTO slack_events (event_id, received_at) VALUES (?, ?) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [event_id, now],
        )
        return bool(claimed)

    async def forget_events(self, *, before: datetime) -> int:
        return await SlackEventRow.filter(received_at__lt=before).delete()

    async def departure(self) -> Departure | None:
        row = await SchoolSettingRow.get_or_none(key=DEPARTURE)
        return _departure(row.value) if row else None

    async def depart(self, departure: Departure, emails: Sequence[OutgoingEmail]) -> bool:
        value = {"reason": departure.reason, "at": departure.at.isoformat()}
        try:
            async with in_transaction() as conn:
                await SchoolSettingRow.create(key=DEPARTURE, value=value, using_db=conn)
                await queue(emails, departure.at, conn)
        except IntegrityError:
            return False
        return True

    async def clear_departure(self) -> Departure | None:
        async with in_transaction() as conn:
            row = await SchoolSettingRow.get_or_none(key=DEPARTURE, using_db=conn)
            if row is None:
                return None
            await SchoolSettingRow.filter(id=row.id).using_db(conn).delete()
        return _departure(row.value)

    async def set_deactivated(
        self,
        user_id: int,
        at: datetime | None,
        emails: Sequence[OutgoingEmail],
        now: datetime,
    ) -> bool:
        async with in_transaction() as conn:
            rows = UserRow.filter(id=user_id, slack_deactivated_at__isnull=at is not None)
            changed = await rows.using_db(conn).update(slack_deactivated_at=at)
            if changed:
                await queue(emails, now, conn)
        return bool(changed)


def _departure(value: dict[str, str]) -> Departure:
    return Departure(value["reason"], datetime.fromisoformat(value["at"]))
