"""Uploaded rows are kept as long as a job needs them, then pruned on the scheduler;
the job's counts, its log line and the results file in its thread stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.views.errors import describe
from bot.xlsx_results import results_file, rows_to_fix
from domain.bulk.model import RowsPruned
from storage.models import BulkJobItemRow, BulkJobRow
from storage.store import TortoiseStore
from tests.bot.conftest import MANAGER, Roster, allow_bulk, furnish, start_roster
from tests.bot.test_bulk_import import HEADER, people, result_rows
from tests.bot.uploads import in_thread, review, send_for_approval, upload
from tests.waiting import eventually
from tests.workbooks import workbook


class MovableClock:
    """The time bulk jobs go by, moved forward by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


async def rows_of(filename: str) -> int:
    return await BulkJobItemRow.filter(job__filename=filename).count()


async def imported(roster: Roster, filename: str, count: int, start: int) -> None:
    """An import from upload to its results file, with one bad row."""
    bad = ["", f"nameless{start}@example.org", "", "", ""]
    preview = await upload(roster, filename, workbook(HEADER, *people(count, start=start), bad))
    await review(roster, await send_for_approval(roster, preview))
    await in_thread(roster, preview, f"{filename}* done")
    assert len(await result_rows(roster, preview, filename.replace(".", "-results."))) == count + 2


async def test_a_finished_jobs_rows_are_pruned_after_the_retention_period(
    database_url: str,
) -> None:
    clock = MovableClock()
    settings = {"job_retention_days": 30, "job_prune_seconds": 0.05}
    async with start_roster(database_url, None, job_clock=clock, **settings) as roster:
        await allow_bulk(await furnish(roster))
        await imported(roster, "old.xlsx", 3, start=0)
        waiting = await upload(roster, "waiting.xlsx", workbook(HEADER, *people(2, start=10)))
        await send_for_approval(roster, waiting)
        await upload(roster, "unsent.xlsx", workbook(HEADER, *people(2, start=20)))
        rejected = await upload(roster, "rejected.xlsx", workbook(HEADER, *people(2, start=30)))
        reason = "Wrong group"
        await review(
            roster, await send_for_approval(roster, rejected), decision="reject", reason=reason
        )
        clock.advance(days=20)
        await imported(roster, "recent.xlsx", 2, start=40)
        kept = {"waiting.xlsx": 2, "unsent.xlsx": 2, "recent.xlsx": 3}
        assert {name: await rows_of(name) for name in kept} == kept
        assert await rows_of("old.xlsx") == 4 and await rows_of("rejected.xlsx") == 2

        clock.advance(days=11)

        async def rejected_pruned() -> BulkJobRow | None:
            return await BulkJobRow.get_or_none(
                filename="rejected.xlsx", rows_pruned_at__not_isnull=True
            )

        await eventually(rejected_pruned, what="the rejected job's rows pruned")
        old = await BulkJobRow.get(filename="old.xlsx")
        assert old.rows_pruned_at == clock.now and await rows_of("old.xlsx") == 0
        assert await rows_of("rejected.xlsx") == 0
        assert {name: await rows_of(name) for name in kept} == kept, "pending, unsent, recent"
        assert await BulkJobRow.filter(rows_pruned_at__isnull=False).count() == 2

        log = await roster.run(MANAGER, "log actions")
        assert "old.xlsx" in log and "4/4 rows: *3* created, *3* added to the group" in log
        assert "rejected.xlsx" in log and "*rejected*" in log
        job = await TortoiseStore().bulk.get(old.id)
        assert job is not None and job.run.created == 3
        for rebuild in (results_file, rows_to_fix):
            with pytest.raises(RowsPruned) as refused:
                await rebuild(roster.services.bulk, job)
            assert "deleted after the retention period" in describe(refused.value)
