"""A bulk add survives what production throws at it: a worker killed mid-import
(kill -9, then a restart) and a storm of Slack 429s on the progress message."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

from storage.models import BulkJobRow, MembershipRow, OutboxRow, UserRow
from tests.bot.conftest import ADMIN, SIGNING_SECRET, Roster, allow_bulk, furnish, start_roster
from tests.bot.test_bulk_import import HEADER, people, result_rows
from tests.bot.uploads import in_thread, review, send_for_approval, thread, upload
from tests.waiting import eventually
from tests.workbooks import workbook

ROWS = 400


def start_worker(roster: Roster, database_url: str) -> subprocess.Popen[bytes]:
    """`roster worker` as its own process, as it runs beside `roster serve`."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": roster.slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": roster.slack.api_url,
        "DATABASE_URL": database_url,
        "ROSTER_ADMINS": ADMIN,
        "ROSTER_JOB_CHUNK_ROWS": "20",
        "ROSTER_JOB_PAUSE_SECONDS": "0.1",
        "ROSTER_JOB_LEASE_SECONDS": "2",
    }
    roster_cli = Path(sys.executable).parent / "roster"
    return subprocess.Popen([str(roster_cli), "worker"], env=env, stdout=subprocess.DEVNULL)


async def test_a_worker_killed_mid_import_resumes_and_ends_as_a_clean_run(
    database_url: str,
) -> None:
    async with start_roster(database_url, None, run_jobs=False) as roster:
        await allow_bulk(await furnish(roster))
        preview = await upload(roster, "big.xlsx", workbook(HEADER, *people(ROWS)))
        await review(roster, await send_for_approval(roster, preview))

        worker = start_worker(roster, database_url)
        try:

            async def partly_done() -> BulkJobRow | None:
                job = await BulkJobRow.get()
                return job if job.checkpoint > 40 else None

            await eventually(partly_done, what="a few chunks", timeout=30)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed = await BulkJobRow.get()
            assert killed.state == "running" and 40 < killed.checkpoint < ROWS + 1
            assert await UserRow.filter(email__startswith="person").count() == killed.rows_done

            worker = start_worker(roster, database_url)
            summary = await in_thread(
                roster, preview, "Bulk add to Sales Team: big.xlsx* done", timeout=60
            )
            rows = await result_rows(roster, preview, "big-results.xlsx")
        finally:
            worker.terminate()
            worker.wait()

        assert f"*{ROWS}* created, *{ROWS}* added to the group" in summary.text
        assert "*0* skipped, *0* failed" in summary.text
        assert await UserRow.filter(email__startswith="person").count() == ROWS
        assert await MembershipRow.filter(user__email__startswith="person").count() == ROWS
        invitations = await OutboxRow.filter(to_address__startswith="person").values_list(
            "to_address", flat=True
        )
        assert len(invitations) == len(set(invitations)) == ROWS
        replies = [m.text for m in thread(roster, preview)]
        assert sum(r.startswith("Importing") for r in replies) == 1
        assert sum("big.xlsx* done:" in r for r in replies) == 1
        assert len(rows) == ROWS + 1
        assert {r[5] for r in rows[1:]} == {"created and added"}


async def test_a_429_storm_postpones_progress_edits_and_never_fails_the_import(
    database_url: str,
) -> None:
    async with start_roster(database_url, None, job_chunk_rows=10, job_pause_seconds=0.1) as roster:
        await allow_bulk(await furnish(roster))
        preview = await upload(roster, "storm.xlsx", workbook(HEADER, *people(300)))
        await review(roster, await send_for_approval(roster, preview))
        progress = await in_thread(roster, preview, "Importing")
        roster.slack.rate_limit("chat.update", times=3, retry_after=1)
        summary = await in_thread(
            roster, preview, "Bulk add to Sales Team: storm.xlsx* done", timeout=60
        )
        assert "*300* created" in summary.text

        edits = [c for c in roster.slack.calls_to("chat.update") if c.args.get("ts") == progress.ts]
        assert sum(c.error == "ratelimited" for c in edits) == 3
        after_refusals = [
            b.at - a.at for a, b in itertools.pairwise(edits) if a.error == "ratelimited"
        ]
        assert min(after_refusals) >= 0.95, "each 429 postpones the next edit by Retry-After"
        assert "100%" in str(progress.blocks) and progress.edits >= 1
        assert (await BulkJobRow.get()).state == "done"
