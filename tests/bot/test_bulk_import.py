"""A bulk add from upload to summary: approval, progress, results, the action log."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from slack_emulator.state import Message
from storage.models import BulkJobRow, EnrollmentRow, MembershipRow, OutboxRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, Roster
from tests.bot.uploads import in_thread, review, send_for_approval, text_of, thread, upload
from tests.workbooks import workbook

HEADER = ["username", "email", "first name", "last name", "tags"]


def people(count: int, *, start: int = 0) -> list[list[object]]:
    return [
        [f"person{n}", f"person{n}@example.org", "Pat", f"No{n}", "sales, emea"]
        for n in range(start, start + count)
    ]


async def members_of(group: str) -> set[str]:
    rows = await MembershipRow.filter(group__title=group).prefetch_related("user")
    return {r.user.email for r in rows}


async def result_rows(roster: Roster, preview: Message, name: str) -> list[list[object]]:
    """The rows of the file called ``name`` shared in the preview's thread."""

    def shared() -> list[str]:
        ids = [f for m in thread(roster, preview) for f in m.files]
        return [f for f in ids if roster.slack.files[f].name == name]

    content = roster.slack.files[(await roster.slack.wait_for(shared))[0]].content
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(content))["Users"].iter_rows()]


async def test_an_approved_import_adds_everyone_and_reports_in_its_thread(bulk: Roster) -> None:
    assert "can now choose to enrol" in await bulk.run(ADMIN, "import-settings enrol on")
    data = workbook(
        HEADER,
        *people(25),
        ["lea", "lea@school.org", "", "", ""],
        ["", "nameless@example.org", "", "", ""],
    )
    preview = await upload(bulk, "team.xlsx", data)
    assert "*26* row(s) ready: *25* new to the school, *1* already in the school" in text_of(
        preview
    )
    request = await send_for_approval(bulk, preview)
    assert "<@U0MANAGER> asks to add *26* people to *Sales Team*" in text_of(request)
    assert "Sent to <@U0ADMIN> for approval" in text_of(await in_thread(bulk, preview, "Sent to"))
    assert await UserRow.filter(email__startswith="person").count() == 0

    closing = await review(bulk, request, options=("invite", "enrol", "skip_bad"))
    assert "Approved; <@U0MANAGER> has been told" in closing
    assert "Approved by <@U0ADMIN>" in text_of(await in_thread(bulk, preview, "Approved by"))
    summary = await in_thread(bulk, preview, "Import of *team.xlsx*")
    assert (
        "done with errors: *25* created, *26* added to the group, *0* already members, "
        "*26* course enrolments, *25* invited, *1* skipped, *0* failed." in text_of(summary)
    )
    progress = [m for m in thread(bulk, preview) if m.text.startswith("Importing")]
    assert len(progress) == 1 and "100%" in text_of(progress[0])
    rows = await result_rows(bulk, preview, "team-results.xlsx")
    assert rows[0] == [*HEADER, "result"]
    assert rows[1] == [
        "person0",
        "person0@example.org",
        "Pat",
        "No0",
        "sales, emea",
        "created and added",
    ]
    assert rows[26][1:2] + rows[26][5:] == ["lea@school.org", "added (already in the school)"]
    assert rows[27][5].startswith("skipped: username: is empty")
    assert {f"person{n}@example.org" for n in range(25)} | {"lea@school.org"} <= await members_of(
        "Sales Team"
    )
    created = await UserRow.get(email="person3@example.org")
    assert (created.first_name, created.last_name, created.tags) == ("Pat", "No3", "sales, emea")
    assert (
        await OutboxRow.filter(trigger="invitation", to_address__startswith="person").count() == 25
    )
    assert await EnrollmentRow.filter(user__email__startswith="person").count() == 25

    log = await bulk.run(MANAGER, "log actions")
    assert (
        "add members · *Sales Team* · team.xlsx · by <@U0MANAGER> · approved by <@U0ADMIN>" in log
    )
    assert "*done with errors*" in log and "27/27 rows: 25 created, 26 added" in log
    job = await BulkJobRow.get()
    assert job.started_at is not None and job.finished_at is not None
