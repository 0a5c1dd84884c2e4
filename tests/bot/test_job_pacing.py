"""Bulk jobs post and edit in the uploader's direct message at Slack's pace: a progress
message is edited at most every 1.2 s, and jobs for one person share the channel's
one-message-a-second budget, so Slack never has to refuse them.

These are the tests about pacing: the emulator's rate limits run at the same pace as
Roster's (Slack's own in the first, ten times faster on both sides in the second).
People's clicks, which a test makes within milliseconds, set the scene with the
limits off; the jobs then run with them on. SQLite only: storage plays no part.
"""

from __future__ import annotations

import pytest

from domain.bulk.model import JobOptions
from slack_emulator.driver import find_element
from slack_emulator.state import Message
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk, furnish, start_roster
from tests.bot.uploads import in_thread, upload
from tests.workbooks import workbook

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _people(count: int, tag: str) -> bytes:
    rows = [[f"person {tag}{i}", f"{tag}{i}@example.org"] for i in range(count)]
    return workbook(["username", "email"], *rows)


def _job_id(preview: Message) -> int:
    _, button = find_element(preview.blocks, "imports.send_for_approval")
    return int(button["value"])


async def _approve(school: Roster, previews: list[Message]) -> None:
    """The manager sends the files for approval and an admin approves them; the job
    runner finds them on its next round."""
    jobs, users = school.services.bulk, school.services.users
    manager, admin = await users.actor(MANAGER), await users.actor(ADMIN)
    options = JobOptions(invite=True, enrol=False, skip_bad=False)
    for preview in previews:
        await jobs.send_for_approval(manager, _job_id(preview))
        await jobs.decide(admin, _job_id(preview), approve=True, options=options, reason="")


async def test_a_progress_message_is_edited_at_most_every_1_2_seconds(
    database_url: str,
) -> None:
    async with start_roster(
        database_url, None, pace=1.0, job_chunk_rows=2, job_pause_seconds=0.2
    ) as roster:
        with roster.slack.unlimited():
            school = await allow_bulk(await furnish(roster))
            preview = await upload(school, "team.xlsx", _people(16, "p"))
            await _approve(school, [preview])
        await in_thread(school, preview, "* done", timeout=60)
        progress = await in_thread(school, preview, "Importing team.xlsx")
        posted = next(
            c.at
            for c in school.slack.calls_to("chat.postMessage")
            if c.args.get("thread_ts") == preview.ts and "Importing" in str(c.args.get("text"))
        )
        edits = [c.at for c in school.slack.calls_to("chat.update") if c.args["ts"] == progress.ts]
        assert len(edits) >= 2, "the job ran long enough to be edited along the way"
        gaps = [later - earlier for earlier, later in zip([posted, *edits], edits, strict=False)]
        assert min(gaps) >= 1.15, f"edits came {min(gaps):.2f} s apart"
        assert school.slack.refused("ratelimited") == []


async def test_several_jobs_in_one_direct_message_keep_to_its_pace(database_url: str) -> None:
    async with start_roster(database_url, None, pace=0.1) as roster:
        with roster.slack.unlimited():
            school = await allow_bulk(await furnish(roster))
            previews = [
                await upload(school, f"team{i}.xlsx", _people(1, f"t{i}")) for i in range(4)
            ]
            await _approve(school, previews)
        for preview in previews:
            await in_thread(school, preview, "* done")
            await in_thread(school, preview, "Each row of the file")
        assert school.slack.refused("ratelimited") == []
