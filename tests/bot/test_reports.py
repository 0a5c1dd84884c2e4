"""/group report: a group's progress in the asker's direct message, with its chart
and the file of everyone in the thread, counted by the database on both engines."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from openpyxl import load_workbook
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator.driver import block_texts
from slack_emulator.state import Message
from storage.models import EnrollmentRow
from tests.bot.activity import PEOPLE, seat_classroom
from tests.bot.conftest import ADMIN, LEARNER_EMAIL, MANAGER, Roster, allow_bulk

DIRECT = "D0MANAGER"


@pytest.fixture
async def classroom(school: Roster) -> Roster:
    return await seat_classroom(school)


async def _report(roster: Roster, text: str, *, who: str = MANAGER) -> tuple[str, Message]:
    """What the person is told, and the report posted in their direct message."""
    said = await roster.run(who, text)
    found = await roster.slack.wait_for(
        lambda: [m for m in roster.slack.messages if m.channel == DIRECT and m.blocks]
    )
    return said, found[-1]


async def _thread_files(roster: Roster, report: Message, count: int) -> list[Any]:
    found = await roster.slack.wait_for(
        lambda: (
            files
            if len(
                files := [
                    roster.slack.files[f]
                    for m in roster.slack.messages
                    if m.thread_ts == report.ts
                    for f in m.files
                ]
            )
            >= count
            else None
        )
    )
    return list(found)


async def test_a_manager_reads_a_groups_progress_with_a_chart_in_the_thread(
    classroom: Roster,
) -> None:
    said, report = await _report(classroom, 'report "Sales Team"')
    assert "is in our direct message" in said
    text = "\n".join(block_texts(report.blocks))
    assert "Progress of Sales Team" in text
    assert "5 members" in text
    assert (
        "*Python 101* · 5 enrolled · 2 not started · 1 in progress · 2 completed (40%)" in text
    ), text
    assert "average progress 48% · median 6 days to complete" in text
    assert "1 never signed in · 1 stalled" in text
    assert "*Needs attention (2)*" in text
    assert "dan@school.org · Python 101 · 0% · _never signed in_" in text
    assert "eve@school.org · Python 101 · 0% · _stalled_" in text
    assert "ana@school.org" not in text and "cy@school.org" not in text
    (chart,) = await _thread_files(classroom, report, 1)
    assert chart.name.endswith(".png") and chart.content.startswith(b"\x89PNG")
    assert chart.shared_to == [DIRECT]


async def test_a_second_word_names_a_course_or_else_a_segment(classroom: Roster) -> None:
    _, report = await _report(classroom, 'report "Sales Team" Onboarding')
    text = "\n".join(block_texts(report.blocks))
    assert "Progress of Sales Team in Onboarding" in text
    assert "*Onboarding* · 0 enrolled" in text
    said = await classroom.run(MANAGER, 'report "Sales Team" Pythn')
    assert "There is no segment called" in said or "Pythn" in said


async def test_without_view_user_analytics_a_manager_is_told_what_is_missing(
    school: Roster,
) -> None:
    said = await school.run(MANAGER, 'report "Sales Team"')
    assert "View user analytics" in said
    assert not [m for m in school.slack.messages if m.channel == DIRECT and m.blocks]


async def test_a_group_that_is_not_theirs_is_not_reported(classroom: Roster) -> None:
    said = await classroom.run(MANAGER, "report Support")
    assert "There is no group called" in said
    assert not [m for m in classroom.slack.messages if m.channel == DIRECT and m.blocks]


async def test_a_group_without_courses_says_how_to_include_one(classroom: Roster) -> None:
    said = await classroom.run(ADMIN, "report Support")
    assert "is in our direct message" in said
    found = await classroom.slack.wait_for(
        lambda: [m for m in classroom.slack.messages if m.channel == "D0THEADMIN" and m.blocks]
    )
    assert "has no courses to report on" in "\n".join(block_texts(found[-1].blocks))


async def _download(roster: Roster, stored: Any) -> bytes:
    client = AsyncWebClient(token=roster.slack.bot_token, base_url=roster.slack.api_url)
    url = (await client.files_info(file=stored.id))["file"]["url_private_download"]
    headers = {"Authorization": f"Bearer {roster.slack.bot_token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        assert answer.status == 200
        return await answer.read()


async def test_with_export_rights_the_thread_has_everyone_as_xlsx_and_csv_with_typed_text_inert(
    classroom: Roster,
) -> None:
    await allow_bulk(classroom, capability="analytics.export")
    assert "Added" in await classroom.run(ADMIN, 'add "Sales Team" zed@school.org =1+2')
    _, report = await _report(classroom, 'report "Sales Team"')
    assert "needs *Export user analytics*" not in "\n".join(block_texts(report.blocks))
    files = {f.name.rsplit(".", 1)[-1]: f for f in await _thread_files(classroom, report, 3)}
    assert set(files) == {"png", "xlsx", "csv"}
    sheet = load_workbook(io.BytesIO(await _download(classroom, files["xlsx"])))["Learners"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("email", "username", "course", "progress %")
    assert [r[0] for r in rows[1:]] == [f"{p}@school.org" for p in (*PEOPLE, "zed")]
    zed = rows[-1]
    assert zed[1] == "=1+2" and sheet.cell(len(rows), 2).data_type == "s"
    assert rows[1][3] == 100 and rows[1][8] is None and rows[4][8] == "never signed in"
    raw = await _download(classroom, files["csv"])
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[-1][:4] == ["zed@school.org", "'=1+2", "Python 101", "0"]
    assert len(table) == len(PEOPLE) + 2


async def test_the_files_show_times_on_the_schools_clock(classroom: Roster) -> None:
    assert "now *Asia/Tokyo*" in await classroom.run(ADMIN, "timezone Asia/Tokyo")
    await allow_bulk(classroom, capability="analytics.export")
    _, report = await _report(classroom, 'report "Sales Team"')
    files = {f.name.rsplit(".", 1)[-1]: f for f in await _thread_files(classroom, report, 3)}
    sheet = load_workbook(io.BytesIO(await _download(classroom, files["xlsx"])))["Learners"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][4:8] == (
        "enrolled (Asia/Tokyo)",
        "completed (Asia/Tokyo)",
        "last sign-in (Asia/Tokyo)",
        "last activity (Asia/Tokyo)",
    )
    ana = await EnrollmentRow.get(user__email="ana@school.org")
    tokyo = ana.enrolled_at.astimezone(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None, microsecond=0)
    assert rows[1][0] == "ana@school.org" and rows[1][4] == tokyo, "nine hours ahead of UTC"
    table = list(
        csv.reader(io.StringIO((await _download(classroom, files["csv"])).decode("utf-8-sig")))
    )
    assert table[1][4] == tokyo.isoformat(" ")


async def test_without_export_rights_the_report_comes_without_the_file(classroom: Roster) -> None:
    said, report = await _report(classroom, 'report "Sales Team"')
    assert "is in our direct message" in said
    assert "needs *Export user analytics*" in "\n".join(block_texts(report.blocks))
    await _thread_files(classroom, report, 1)
    uploads = [c for c in classroom.slack.calls if c.method == "files.getUploadURLExternal"]
    assert [c.args["filename"] for c in uploads] == ["completion-sales-team.png"]


async def test_one_learners_courses_progress_and_completions(classroom: Roster) -> None:
    said = await classroom.run(MANAGER, 'report "Sales Team" learner ANA@school.org')
    assert "ana (ana@school.org) in Sales Team" in said
    assert "*Python 101* · completed" in said
    said = await classroom.run(MANAGER, 'report "Sales Team" learner eve@school.org')
    assert "*Python 101* · 0%" in said and "_stalled_" in said
    said = await classroom.run(MANAGER, f'report "Sales Team" learner {LEARNER_EMAIL}')
    assert LEARNER_EMAIL in said and "Python 101" not in said, "Lea is in Support only"


async def test_report_all_is_a_line_per_group_the_whole_school_for_admins_only(
    classroom: Roster,
) -> None:
    said = await classroom.run(ADMIN, "report all")
    assert "Progress of every group" in said
    assert "*Sales Team*" in said and "5 members · 5 enrolments · 2 completed (40%)" in said
    assert "1 never signed in · 1 stalled" in said
    assert "*Support*" in said and "1 members · 0 enrolments" in said
    said = await classroom.run(MANAGER, "report all")
    assert "Progress of your groups" in said
    assert "*Sales Team*" in said and "Support" not in said
