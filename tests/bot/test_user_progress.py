"""Progress from one person's card: update it or mark it complete with a reason
(*Update user progress*), or reset it (*Advanced user actions*), end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local_smtp import text_of
from slack_emulator.driver import Reply
from storage.models import EnrollmentRow, UserActionRow, UserRow
from tests.bot import activity
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk
from tests.bot.test_invitations import GOOD_PASSWORD, browser_session, invite

EVE = "eve@example.org"


async def _card(school: Roster, who: str, email: str = EVE) -> Reply:
    return await (await school.driver.command(who, f"user {email}")).reply()


async def _python_101(email: str = EVE) -> EnrollmentRow:
    return await EnrollmentRow.get(user__email=email, course__title="Python 101")


async def _report(school: Roster, event_id: str, percent: int, at: datetime) -> None:
    event = {
        "id": event_id,
        "type": "course_progress",
        "user": {"email": EVE},
        "course": "Python 101",
        "percent": percent,
        "occurred_at": at.isoformat(),
    }
    status, answer = await activity.post(school, event)
    assert status == 200 and answer["accepted"] == 1, answer


async def test_a_manager_needs_update_progress_to_see_or_use_it(school: Roster) -> None:
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')
    card = await _card(school, MANAGER)
    assert "Update progress" not in card.text and "Reset progress" not in card.text
    eve = await UserRow.get(email=EVE)
    admin_card = await _card(school, ADMIN)
    clicked = await school.driver.click(
        MANAGER, admin_card, "users.card.progress", value=str(eve.id)
    )
    assert "*Manage users: Update user progress*" in (await clicked.reply()).text


async def test_setting_progress_with_a_reason_shows_on_the_card_and_in_the_log(
    school: Roster,
) -> None:
    await allow_bulk(school, capability="users.manage.progress")
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')
    card = await _card(school, MANAGER)
    assert "Reset progress" not in card.text
    eve = await UserRow.get(email=EVE)
    clicked = await school.driver.click(MANAGER, card, "users.card.progress", value=str(eve.id))
    form = await clicked.modal()
    course = str((await _python_101()).course_id)
    submitted = await school.driver.submit(
        MANAGER, form, {"course": course, "percent": "60", "reason": "studied offline"}
    )
    assert "Updated the progress of *eve*" in str(submitted.ack)
    updated = await clicked.reply()
    assert "Python 101: 60%" in updated.text
    assert "progress set by *max*" in updated.text
    assert "Python 101: 0% → 60%; studied offline" in updated.text
    assert (await _python_101()).progress == 60
    assert (await UserActionRow.get(subject_id=eve.id)).action == "progress set"


async def test_marking_complete_records_the_completion_and_congratulates(school: Roster) -> None:
    assert "Added" in await school.run(ADMIN, f'add "Sales Team" {EVE}')
    card = await _card(school, ADMIN)
    eve = await UserRow.get(email=EVE)
    clicked = await school.driver.click(ADMIN, card, "users.card.progress", value=str(eve.id))
    form = await clicked.modal()
    course = str((await _python_101()).course_id)
    values = {"course": course, "complete": ["yes"], "reason": "passed the exam on paper"}
    await school.driver.submit(ADMIN, form, values)
    updated = await clicked.reply()
    assert "marked complete by *ada*" in updated.text and "· completed" in updated.text
    enrolment = await _python_101()
    assert enrolment.progress == 100 and enrolment.completed_at is not None
    message = await school.inbox.wait_for(EVE, count=2)
    assert "Python 101" in text_of(message)


async def test_a_progress_change_without_a_reason_or_a_number_changes_nothing(
    school: Roster,
) -> None:
    assert "Added" in await school.run(ADMIN, f'add "Sales Team" {EVE}')
    card = await _card(school, ADMIN)
    eve = await UserRow.get(email=EVE)
    course = str((await _python_101()).course_id)
    for values, field, words in (
        ({"course": course, "percent": "60", "reason": "  "}, "reason", "say why"),
        ({"course": course, "percent": "sixty", "reason": "x"}, "percent", "0 to 100"),
        ({"course": course, "percent": "120", "reason": "x"}, "percent", "0 to 100"),
    ):
        clicked = await school.driver.click(ADMIN, card, "users.card.progress", value=str(eve.id))
        submitted = await school.driver.submit(ADMIN, await clicked.modal(), values)
        assert words in submitted.ack["errors"][field]
    assert (await _python_101()).progress == 0
    assert not await UserActionRow.exists()


async def test_a_reset_shows_on_me_and_ignores_progress_that_happened_before_it(
    school: Roster,
) -> None:
    await allow_bulk(school, capability="users.manage.advanced")
    link = await invite(school, EVE)
    async with browser_session() as browser:
        good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        await browser.post(link, data=good)
        before = datetime.now(UTC) - timedelta(minutes=5)
        await _report(school, "early", 80, before)
        async with browser.get(f"{school.url}/me") as page:
            assert "Python 101: 80% done" in await page.text()

        card = await _card(school, MANAGER)
        assert "Update progress" not in card.text
        eve = await UserRow.get(email=EVE)
        clicked = await school.driver.click(MANAGER, card, "users.card.reset", value=str(eve.id))
        form = await clicked.modal()
        course = str((await _python_101()).course_id)
        await school.driver.submit(MANAGER, form, {"course": course, "reason": "retaking it"})
        updated = await clicked.reply()
        assert "Python 101: 0%" in updated.text
        assert "progress reset by *max*" in updated.text and "was 80%" in updated.text
        async with browser.get(f"{school.url}/me") as page:
            assert "Python 101: 0% done" in await page.text()

        await _report(school, "late delivery of an old one", 90, before + timedelta(minutes=1))
        assert (await _python_101()).progress == 0
        await _report(school, "after the reset", 10, datetime.now(UTC))
        assert (await _python_101()).progress == 10
