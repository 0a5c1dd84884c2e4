"""Resending invitations, switching emails off, and the Emails log, from Slack."""

from __future__ import annotations

import re

from local_smtp import text_of
from storage.models import OutboxRow
from tests.bot.conftest import ADMIN, MANAGER, Roster
from tests.waiting import eventually

EVE = "eve@example.org"
LINK = re.compile(r"/invite/([A-Za-z0-9_-]+)")


async def test_adding_an_invited_member_again_offers_a_new_invitation(school: Roster) -> None:
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')
    first = LINK.search(text_of(await school.inbox.wait_for(EVE)))
    again = await (await school.driver.command(MANAGER, f'add "Sales Team" {EVE}')).reply()
    assert "already a member" in again.text and "has not signed in yet" in again.text
    clicked = await school.driver.click(MANAGER, again, "members.resend_invite")
    assert "Sending a new invitation to 1 member(s)" in (await clicked.reply()).text
    second = LINK.search(text_of(await school.inbox.wait_for(EVE, 2)))
    assert first and second and first.group(1) != second.group(1)


async def test_switched_off_emails_are_not_queued_and_resending_says_why(school: Roster) -> None:
    modal = await (await school.driver.command(ADMIN, "notifications")).modal()
    keep = ["course_enrollment", "course_completion", "seat_enrollment", "membership_added"]
    await school.driver.submit(ADMIN, modal, {"notifications": keep})
    assert "Not sending: Invitation to set a password" in "\n".join(
        b.get("text", {}).get("text", "") for b in modal.body["blocks"]
    )
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')
    assert await OutboxRow.filter(to_address=EVE).count() == 0
    answer = await school.run(MANAGER, 'resend-invites "Sales Team"')
    assert "*Invitation to set a password* emails are switched off" in answer
    assert "`/group notifications`" in answer


async def test_the_emails_log_shows_states_reasons_and_filters(school: Roster) -> None:
    await school.inbox.wait_for("lea@school.org")
    school.inbox.refuse_next("550 5.1.1 No such user here")
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')

    async def failed() -> OutboxRow | None:
        return await OutboxRow.filter(to_address=EVE, state="failed").first()

    await eventually(failed, what="the refused invitation")
    log = await school.run(ADMIN, "log emails")
    assert "Emails (2)" in log
    assert ":x: failed" in log and "server said: `550 5.1.1 No such user here`" in log
    assert ":white_check_mark: sent" in log and "lea@school.org" in log
    only = await school.run(ADMIN, "log emails membership_added 7d")
    assert "Emails (0) · trigger membership_added" in only and "since <!date^" in only
    wrong = await school.run(ADMIN, "log emails invitations")
    assert "`invitations` is neither a trigger" in wrong
