"""Changing a person's email and deleting them from their card, end to end: both
reach the person everywhere, so a manager needs every group they are in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.views.user_card import delete_modal
from local_smtp import text_of
from slack_emulator.driver import Reply
from storage.models import (
    EmailAliasRow,
    EnrollmentRow,
    MembershipRow,
    OutboxRow,
    UserActionRow,
    UserRow,
)
from tests.bot import activity
from tests.bot.conftest import ADMIN, LEARNER_EMAIL, MANAGER, Roster, allow_bulk
from tests.bot.test_invitations import GOOD_PASSWORD, browser_session, invite

EVE = "eve@example.org"
NEW = "eve.new@example.org"


async def _card(school: Roster, who: str, email: str) -> Reply:
    return await (await school.driver.command(who, f"user {email}")).reply()


async def _progress(school: Roster, email: str, event_id: str) -> tuple[int, dict[str, Any]]:
    event = {
        "id": event_id,
        "type": "course_progress",
        "user": {"email": email},
        "course": "Python 101",
        "percent": 30,
    }
    return await activity.post(school, event)


async def test_a_changed_email_signs_in_tells_both_addresses_and_keeps_an_alias(
    school: Roster,
) -> None:
    await allow_bulk(school, capability="users.manage.advanced")
    link = await invite(school, EVE)
    async with browser_session() as browser:
        good = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        await browser.post(link, data=good)
        eve = await UserRow.get(email=EVE)
        card = await _card(school, MANAGER, EVE)
        clicked = await school.driver.click(MANAGER, card, "users.card.email", value=str(eve.id))
        await school.driver.submit(
            MANAGER, await clicked.modal(), {"email": " Eve.New@Example.org"}
        )
        updated = await clicked.reply()
        assert "Changed the email of *eve* (eve.new@example.org)" in updated.text
        assert "email changed by *max*" in updated.text
        assert "eve@example.org → eve.new@example.org" in updated.text

        async with browser.get(f"{school.url}/me") as page:
            assert "Hello, eve" not in await page.text()
        old = {"email": EVE, "password": GOOD_PASSWORD}
        async with browser.post(f"{school.url}/login", data=old) as page:
            assert page.status == 401
        new = {"email": NEW, "password": GOOD_PASSWORD}
        async with browser.post(f"{school.url}/login", data=new) as page:
            assert page.url.path == "/me" and "Hello, eve" in await page.text()

    told_old = await school.inbox.wait_for(EVE, count=2)
    told_new = await school.inbox.wait_for(NEW)
    for message in (told_old, told_new):
        assert "your email address changed" in message["Subject"]
        assert "from eve@example.org to eve.new@example.org" in text_of(message)

    status, answer = await _progress(school, EVE, "under the old address")
    assert status == 200 and answer["accepted"] == 1
    enrolment = await EnrollmentRow.get(user_id=eve.id, course__title="Python 101")
    assert enrolment.progress == 30
    past = datetime.now(UTC) - timedelta(seconds=1)
    await EmailAliasRow.filter(email=EVE).update(until=past)
    status, answer = await _progress(school, EVE, "after 30 days")
    assert status == 422 and "no school user has eve@example.org" in str(answer)


async def test_an_email_someone_has_is_refused_on_the_field(school: Roster) -> None:
    assert "Added" in await school.run(ADMIN, f'add "Sales Team" {EVE}')
    eve = await UserRow.get(email=EVE)
    card = await _card(school, ADMIN, EVE)
    clicked = await school.driver.click(ADMIN, card, "users.card.email", value=str(eve.id))
    submitted = await school.driver.submit(ADMIN, await clicked.modal(), {"email": LEARNER_EMAIL})
    assert "already belongs to someone" in submitted.ack["errors"]["email"]
    assert await UserRow.filter(email=EVE).exists()
    assert not await EmailAliasRow.exists()


async def test_a_manager_cant_change_or_delete_someone_also_in_another_group(
    school: Roster,
) -> None:
    await allow_bulk(school, capability="users.manage.advanced")
    await allow_bulk(school, capability="users.manage.delete")
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {LEARNER_EMAIL}')
    lea = await UserRow.get(email=LEARNER_EMAIL)
    card = await _card(school, MANAGER, LEARNER_EMAIL)
    assert "Support" not in card.text
    for action in ("users.card.email", "users.card.delete"):
        clicked = await school.driver.click(MANAGER, card, action, value=str(lea.id))
        text = (await clicked.reply()).text
        assert "is also in groups you don't manage, so only a school admin" in text
        assert f"<@{ADMIN}>" in text
    assert await UserRow.filter(email=LEARNER_EMAIL).exists()


async def test_deleting_says_what_goes_and_leaves_a_tombstone_in_the_logs(
    school: Roster,
) -> None:
    await allow_bulk(school, capability="users.manage.delete")
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE} Eve Example')
    await school.inbox.wait_for(EVE)
    eve = await UserRow.get(email=EVE)
    card = await _card(school, MANAGER, EVE)
    suspended = await (
        await school.driver.click(MANAGER, card, "users.card.suspend", value=str(eve.id))
    ).reply()
    clicked = await school.driver.click(MANAGER, suspended, "users.card.delete", value=str(eve.id))
    confirm = await clicked.modal()
    shown = str(confirm.body)
    assert "*Goes:* their memberships (Sales Team), enrolments and progress (Python 101)" in shown
    assert "*Stays:* the User action log and the Emails log" in shown
    await school.driver.submit(MANAGER, confirm, {})
    assert "Deleted *Eve Example* (eve@example.org)" in (await clicked.reply()).text

    assert not await UserRow.filter(id=eve.id).exists()
    assert not await MembershipRow.filter(user_id=eve.id).exists()
    labels = await UserActionRow.all().order_by("id").values_list("subject_label", "action")
    assert labels == [
        (f"deleted user #{eve.id}", "suspended"),
        (f"deleted user #{eve.id}", "deleted"),
    ]
    invitations = OutboxRow.filter(trigger="invitation").exclude(to_address=LEARNER_EMAIL)
    sent = await invitations.values_list("to_address", "text_body", "letter_values")
    assert sent == [(f"deleted user #{eve.id}", "", "")], "nothing of what it said is kept"
    log = await school.run(ADMIN, "log emails")
    assert f"deleted user #{eve.id}" in log and EVE not in log
    again = await school.run(ADMIN, f"user {EVE}")
    assert "There is no one with the email *eve@example.org*" in again


async def test_an_admin_is_never_deleted(school: Roster) -> None:
    assert "Added" in await school.run(ADMIN, 'add "Sales Team" ada@school.org')
    card = await _card(school, ADMIN, "ada@school.org")
    assert "Suspend" in card.text and "Delete" not in card.text
    ada = await UserRow.get(email="ada@school.org")
    whole = await school.services.user_cards.whole_card(
        await school.services.users.actor(ADMIN),
        ada.id,
        "users.manage.delete",  # type: ignore[arg-type]
    )
    client = AsyncWebClient(token=school.slack.bot_token, base_url=school.slack.api_url)
    opened = await client.views_open(
        trigger_id=school.slack.issue_trigger(ADMIN), view=delete_modal(whole)
    )
    view = school.slack.views[opened["view"]["id"]]
    submitted = await school.driver.submit(ADMIN, view, {})
    assert "admins are never deleted" in str(submitted.ack)
    assert await UserRow.filter(id=ada.id).exists()
