"""The workbooks Roster writes from what it stored open everywhere, whatever a value holds.

XML can't hold most control characters, and openpyxl refuses to write one; an
uploaded cell can still bring one in (Excel saves it as ``_x0001_``, which the
reader turns back into the character), so every file is written with each such
character shown as U+FFFD, and every cell stays text.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.cell import Cell

from slack_emulator.state import Message
from storage.models import UserRow
from tests.bot.conftest import LEARNER_EMAIL, Roster
from tests.bot.test_bulk_import import HEADER
from tests.bot.test_rules import set_rule
from tests.bot.uploads import in_thread, review, send_for_approval, text_of, thread, upload
from tests.workbooks import workbook

MARK = "\ufffd"


async def shared_cells(roster: Roster, parent: Message, name: str, sheet: str) -> list[list[Cell]]:
    """The cells of the workbook called ``name`` in ``parent``'s thread, read back."""

    def shared() -> list[str]:
        ids = [f for m in thread(roster, parent) for f in m.files]
        return [f for f in ids if roster.slack.files[f].name == name]

    content = roster.slack.files[(await roster.slack.wait_for(shared, timeout=30))[0]].content
    return [list(row) for row in load_workbook(io.BytesIO(content))[sheet].iter_rows()]


def values(rows: list[list[Cell]]) -> list[list[object]]:
    return [[c.value for c in row] for row in rows]


async def test_control_characters_from_a_file_come_back_marked_in_both_workbooks(
    bulk: Roster,
) -> None:
    """The rows to fix go back as uploaded, the results file lists every row: the
    problem row carries its control characters into both."""
    uploaded = workbook(
        HEADER,
        ["pat", "pat@example.org", "Pat", "Lee", "sales"],
        ["bad_x0001_name", "bad_x001F_at-example.org", "Bo_x0007_", "B_x000B_e", "x_x0008_y"],
    )
    preview = await upload(bulk, "controls.xlsx", uploaded)
    assert "*1* row(s) ready" in text_of(preview)
    marked = [f"bad{MARK}name", f"bad{MARK}at-example.org", f"Bo{MARK}", f"B{MARK}e"]
    fix = await shared_cells(bulk, preview, "rows-to-fix.xlsx", "Users")
    assert values(fix)[1][:4] == marked and values(fix)[1][5].startswith("row 3: email")
    assert {c.data_type for row in fix for c in row if c.value is not None} == {"s"}

    await review(bulk, await send_for_approval(bulk, preview))
    await in_thread(bulk, preview, "Bulk add to Sales Team: controls.xlsx* done")
    results = await shared_cells(bulk, preview, "controls-results.xlsx", "Users")
    assert values(results)[1] == [
        "pat",
        "pat@example.org",
        "Pat",
        "Lee",
        "sales",
        "created and added",
    ]
    assert values(results)[2][:4] == marked and values(results)[2][5].startswith("skipped:")
    assert {c.data_type for row in results for c in row if c.value is not None} == {"s"}


async def test_a_rule_preview_lists_a_stored_name_holding_a_control_character(
    school: Roster,
) -> None:
    await UserRow.filter(email=LEARNER_EMAIL).update(username="lea\x01\x1f")
    preview = await set_rule(school, "Sales Team", f'email = "{LEARNER_EMAIL}"')
    cells = await shared_cells(school, preview, "rule-preview.xlsx", "People")
    assert values(cells)[1] == ["would be added", LEARNER_EMAIL, f"lea{MARK}{MARK}", "invited"]
    assert {c.data_type for row in cells for c in row if c.value is not None} == {"s"}
