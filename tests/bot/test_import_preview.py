"""/group import: upload the filled-in template in a modal, get a preview by DM."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from storage.models import MembershipRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, Roster
from tests.workbooks import workbook


async def upload(roster: Roster, name: str, content: bytes) -> str:
    """Opens the modal, submits the file, and returns the direct message that follows."""

    def direct() -> list[Any]:
        return [m for m in roster.slack.messages if m.channel == "D0MANAGER"]

    before = len(direct())
    modal = await (await roster.driver.command(MANAGER, 'import "Sales Team"')).modal()
    stored = roster.slack.user_upload(MANAGER, name, content)
    values: dict[str, Any] = {"file": [roster.slack.file_json(stored)]}
    submitted = await roster.driver.submit(MANAGER, modal, values)
    assert submitted.status == 200
    assert "Checking *" in "\n".join(b["text"]["text"] for b in modal.body["blocks"])
    await roster.slack.wait_for(lambda: len(direct()) > before, timeout=20)
    message = direct()[-1]
    return "\n".join([message.text, *(str(b) for b in message.blocks)])


async def test_a_checked_file_is_previewed_and_nothing_is_written(bulk: Roster) -> None:
    assert "Added" in await bulk.run(ADMIN, 'add "Sales Team" max@school.org')
    users, members = await UserRow.all().count(), await MembershipRow.all().count()
    preview = await upload(
        bulk,
        "people.xlsx",
        workbook(
            ["username", "email"],
            ["eve", "eve@example.org"],
            ["lea", "lea@school.org"],
            ["max", "max@school.org"],
            ["", "no-name@example.org"],
            ["dup", "EVE@example.org"],
        ),
    )
    assert "*3* row(s) ready: *1* new to the school, *1* already in the school" in preview
    assert "*1* already members. *2* row(s) with problems" in preview
    assert "Row 5, *username*: is empty; type a username." in preview
    assert "Row 6, *email*: eve@example.org is also on row 2; keep one of the two rows." in preview
    assert "Send for approval" in preview
    assert (await UserRow.all().count(), await MembershipRow.all().count()) == (users, members)

    shared = await bulk.slack.wait_for(
        lambda: [m for m in bulk.slack.messages if m.channel == "D0MANAGER" and m.files]
    )
    assert shared[0].thread_ts is not None
    rows = load_workbook(io.BytesIO(bulk.slack.files[shared[0].files[0]].content))["Users"]
    assert [[c.value for c in r] for r in rows.iter_rows()] == [
        ["username", "email", "error"],
        [None, "no-name@example.org", "row 5: username: is empty; type a username"],
        [
            "dup",
            "EVE@example.org",
            "row 6: email: eve@example.org is also on row 2; keep one of the two rows",
        ],
    ]


async def test_a_formula_in_the_file_comes_back_as_text_and_never_runs(bulk: Roster) -> None:
    await upload(
        bulk,
        "sneaky.xlsx",
        workbook(["username", "email"], ['=HYPERLINK("http://evil","x")', "a@example.org"]),
    )
    shared = await bulk.slack.wait_for(
        lambda: [m for m in bulk.slack.messages if m.channel == "D0MANAGER" and m.files]
    )
    cell = load_workbook(io.BytesIO(bulk.slack.files[shared[0].files[0]].content))["Users"]["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil","x")'


async def test_the_rows_to_fix_file_goes_straight_back_in(bulk: Roster) -> None:
    fixed = workbook(["username", "email", "error"], ["nora", "nora@example.org", "row 5: ..."])
    preview = await upload(bulk, "rows-to-fix.xlsx", fixed)
    assert "*1* row(s) ready: *1* new to the school" in preview


async def test_a_wrong_file_gets_a_message_saying_what_to_upload(bulk: Roster) -> None:
    answer = await upload(bulk, "people.xlsx", b"username,email\nada,ada@school.org\n")
    assert "*people.xlsx* can't be used: This is not an Excel workbook" in answer
    renamed = await upload(bulk, "people2.xlsx", workbook(["user", "email"]))
    assert "Column A should be `username`, not `user`" in renamed


async def test_a_manager_without_bulk_actions_cannot_open_the_upload(school: Roster) -> None:
    answer = await school.run(MANAGER, 'import "Sales Team"')
    assert "it needs the *Manage users: Bulk actions* permission" in answer
