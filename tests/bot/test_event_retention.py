"""Events older than ROSTER_EVENT_RETENTION_DAYS are deleted by the scheduler; newer
ones stay in the log."""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from domain.events.model import SYSTEM, EventType, SchoolEvent
from storage.events import record
from storage.models import SchoolEventRow
from tests.bot.conftest import ADMIN, furnish, start_roster
from tests.bot.test_job_retention import MovableClock
from tests.waiting import eventually


async def test_events_past_their_retention_are_pruned_and_newer_ones_stay(
    database_url: str,
) -> None:
    clock = MovableClock()
    settings = {"event_retention_days": 30, "event_prune_seconds": 0.05}
    async with start_roster(database_url, None, job_clock=clock, **settings) as roster:
        await furnish(roster)
        assert "lea@school.org* joined *Support*" in await roster.run(ADMIN, "log events")
        later = SchoolEvent(EventType.SIGNED_IN, clock.now + timedelta(days=20), SYSTEM)
        async with in_transaction() as conn:
            await record(conn, [later])
        clock.advance(31)

        async def pruned() -> bool:
            left = await SchoolEventRow.all().values_list("type", flat=True)
            return list(left) == ["user.signed_in"]

        await eventually(pruned, what="the old events to go")
        assert "joined *Support*" not in await roster.run(ADMIN, "log events")
