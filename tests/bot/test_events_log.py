"""``/group log events``: filters, keyset pages, the Excel export, App Home's latest ten,
and who may see what."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from tortoise.transactions import in_transaction

from domain.events.model import Cause, EventType, SchoolEvent
from storage.events import record
from storage.models import GroupRow, UserRow
from tests.bot.activity import post
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk
from tests.bot.test_activity_api import LEA, event

VIEW_ACTIVITY = "activity.view"


async def _many_in(group: str, count: int, *, detail: str = "") -> None:
    """``count`` completions of Lea's in ``group``, a minute apart, the newest now."""
    group_id = (await GroupRow.get(title=group)).id
    lea = await UserRow.get(email=LEA)
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await record(
            conn,
            [
                SchoolEvent(
                    EventType.COMPLETED,
                    now - timedelta(minutes=count - n),
                    Cause.hand(None),
                    lea.id,
                    group_id,
                    detail=detail or f"step {n}",
                )
                for n in range(count)
            ],
        )


async def test_the_log_says_each_change_in_words_and_narrows_by_what_is_typed(
    school: Roster,
) -> None:
    assert "Added" in await school.run(ADMIN, 'add "Sales Team" new@example.org')
    everything = await school.run(ADMIN, "log events")
    assert "*new@example.org* joined *Sales Team* · by hand by ada@school.org" in everything
    assert "*new@example.org* was enrolled in *Python 101*" in everything
    assert "*lea@school.org* joined *Support*" in everything
    joined = await school.run(ADMIN, 'log events added "Sales Team"')
    assert "Events · member.added, in Sales Team" in joined
    assert "new@example.org* joined" in joined and "lea@school.org" not in joined
    person = await school.run(ADMIN, f"log events {LEA}")
    assert "lea@school.org* joined *Support*" in person and "new@example.org" not in person
    future = await school.run(ADMIN, "log events 2099-01-01")
    assert "No events match." in future
    window = await school.run(ADMIN, "log events 2020-01-01 2099-01-01 enrolled")
    new_year = int(datetime(2099, 1, 1, tzinfo=UTC).timestamp())
    assert f"until <!date^{new_year}^" in window and "was enrolled in" in window


async def test_a_word_that_is_no_filter_is_named_with_the_fix(school: Roster) -> None:
    answer = await school.run(ADMIN, "log events Salez")
    assert "Salez" in answer and "Sales Team" in answer
    answer = await school.run(ADMIN, "log events nobody@example.org")
    assert "No one in the school has the email nobody@example.org." in answer


async def test_next_walks_the_pages_without_repeating_an_event(school: Roster) -> None:
    await _many_in("Support", 60)
    shown = await school.driver.command(ADMIN, "log events completed")
    reply = await shown.reply()
    seen = [line for line in reply.text.splitlines() if "(step " in line]
    for _ in range(2):
        click = await school.driver.click(ADMIN, reply, "events.log.next")
        reply = await click.reply()
        seen += [line for line in reply.text.splitlines() if "(step " in line]
    steps = [f"(step {n})" for n in range(60)]
    assert [next(s for s in steps if s in line) for line in seen] == steps[::-1]
    assert "events.log.next" not in str(reply.blocks)


async def test_the_export_holds_the_same_view_and_runs_nothing_typed(school: Roster) -> None:
    await _many_in("Support", 3, detail='=HYPERLINK("http://x")')
    shown = await (await school.driver.command(ADMIN, "log events completed Support")).reply()
    click = await school.driver.click(ADMIN, shown, "events.log.export")
    assert "coming to your direct messages" in (await click.reply()).text
    slack = school.slack

    def shared() -> list[str]:
        return [f for m in slack.messages if m.channel == "D0THEADMIN" for f in m.files]

    content = slack.files[(await slack.wait_for(shared))[0]].content
    sheet = load_workbook(io.BytesIO(content))["Events"]
    rows = [[c.value for c in r] for r in sheet.rows]
    assert rows[0][:6] == ["when (UTC)", "type", "person", "group", "course", "detail"]
    assert len(rows) == 4
    assert {tuple(r[1:4]) for r in rows[1:]} == {("course.completed", LEA, "Support")}
    assert rows[1][5] == '=HYPERLINK("http://x")'
    assert {r[5].data_type for r in list(sheet.rows)[1:]} == {"s"}


async def test_a_manager_sees_their_groups_only_and_needs_view_activity(school: Roster) -> None:
    assert "Added" in await school.run(ADMIN, 'add "Sales Team" new@example.org')
    refused = await school.run(MANAGER, "log events")
    assert "View activity history" in refused
    await allow_bulk(school, capability=VIEW_ACTIVITY)
    theirs = await school.run(MANAGER, "log events")
    assert "new@example.org* joined *Sales Team*" in theirs and "Support" not in theirs
    assert "Support" in await school.run(MANAGER, "log events Support")
    assert "Events ·" not in await school.run(MANAGER, "log events Support")


async def test_app_home_shows_the_latest_ten_of_the_callers_groups(school: Roster) -> None:
    await _many_in("Support", 12)
    assert (await post(school, event("in", "sign_in")))[0] == 200
    home = await school.driver.home(ADMIN)
    assert "Latest events" in home.text
    assert "step 11" in home.text and "step 1)" not in home.text
    await allow_bulk(school, capability=VIEW_ACTIVITY)
    assert "step 11" not in (await school.driver.home(MANAGER)).text


async def test_group_log_lists_the_logs(school: Roster) -> None:
    answer = await school.run(ADMIN, "log")
    for name in ("events", "emails", "actions", "reports"):
        assert f"/group log {name}" in answer


async def test_a_members_own_events_are_in_their_groups_log(school: Roster) -> None:
    await allow_bulk(school, capability=VIEW_ACTIVITY)
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {LEA}')
    done = event("done", "course_completed", course="Python 101")
    assert (await post(school, done))[0] == 200
    theirs = await school.run(MANAGER, 'log events completed "Sales Team"')
    assert "*lea@school.org* completed *Python 101* · from the course player" in theirs
