"""A finished job's report when Slack won't take its results file: a few tries, one
summary, then a message in the thread, and the runner goes on with other jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from storage.models import BulkJobRow
from tests.bot.conftest import MANAGER, allow_bulk, furnish, start_roster
from tests.bot.test_bulk_import import HEADER, people, result_rows
from tests.bot.uploads import in_thread, review, send_for_approval, thread, upload
from tests.waiting import eventually
from tests.workbooks import workbook

UPLOAD = "files.getUploadURLExternal"
CALLS_PER_TRY = 6
"""The app's client retries a 429 five times before it gives up on a call."""


def reported(filename: str) -> Callable[[], Awaitable[BulkJobRow | None]]:
    async def probe() -> BulkJobRow | None:
        return await BulkJobRow.get_or_none(filename=filename, reported_at__isnull=False)

    return probe


async def test_a_results_file_slack_refuses_is_tried_three_times_then_the_thread_is_told(
    database_url: str,
) -> None:
    async with start_roster(database_url, None, job_report_retry_seconds=0.05) as roster:
        await allow_bulk(await furnish(roster))
        preview = await upload(roster, "refused.xlsx", workbook(HEADER, *people(3)))
        request = await send_for_approval(roster, preview)
        roster.slack.rate_limit(UPLOAD, times=3 * CALLS_PER_TRY, retry_after=0)
        await review(roster, request)

        told = await in_thread(roster, preview, "could not post the results file", timeout=60)
        assert (
            "Roster could not post the results file of *Bulk add to Sales Team: refused.xlsx* "
            "after 3 tries (`ratelimited`) and has stopped trying." in told.text
        )
        assert "`/group log actions` keeps the counts" in told.text and "files:write" in told.text
        replies = [m.text for m in thread(roster, preview)]
        assert sum("refused.xlsx* done" in r for r in replies) == 1, "the summary is posted once"
        assert not [f for m in thread(roster, preview) for f in m.files]
        assert len(roster.slack.calls_to(UPLOAD)) == 3 * CALLS_PER_TRY
        job = await eventually(reported("refused.xlsx"), what="the job marked reported")
        assert job.report_attempts == 3

        after = await upload(roster, "after.xlsx", workbook(HEADER, *people(2, start=10)))
        await review(roster, await send_for_approval(roster, after))
        await in_thread(roster, after, "Bulk add to Sales Team: after.xlsx* done")
        assert len(await result_rows(roster, after, "after-results.xlsx")) == 3
        assert len(roster.slack.calls_to(UPLOAD)) == 3 * CALLS_PER_TRY + 1
        replies = [m.text for m in thread(roster, preview)]
        assert sum("refused.xlsx* done" in r for r in replies) == 1
        assert "*done*" in await roster.run(MANAGER, "log actions")


async def test_when_even_the_summary_is_refused_the_last_message_carries_the_counts(
    database_url: str,
) -> None:
    settings = {"job_report_retry_seconds": 0.05, "job_chunk_rows": 2, "job_pause_seconds": 0.2}
    async with start_roster(database_url, None, **settings) as roster:
        await allow_bulk(await furnish(roster))
        preview = await upload(roster, "quiet.xlsx", workbook(HEADER, *people(6)))
        await review(roster, await send_for_approval(roster, preview))
        await in_thread(roster, preview, "Importing")
        roster.slack.rate_limit("chat.postMessage", times=3 * CALLS_PER_TRY, retry_after=0)

        told = await in_thread(roster, preview, "could not post the summary", timeout=60)
        assert (
            "could not post the summary and results file of *Bulk add to Sales Team: "
            "quiet.xlsx* after 3 tries (`ratelimited`) and has stopped trying. It is *done*: "
            "*6* created, *6* added to the group" in told.text
        )
        await eventually(reported("quiet.xlsx"), what="the job marked reported")
        replies = [m.text for m in thread(roster, preview)]
        assert not any("quiet.xlsx* done" in r for r in replies)
        assert not roster.slack.calls_to(UPLOAD), "no file before its summary"
