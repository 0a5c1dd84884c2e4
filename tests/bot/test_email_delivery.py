"""The outbox against a real SMTP server on loopback: down, busy, refusing, missing."""

from __future__ import annotations

from local_smtp import MailServer
from storage.models import OutboxRow
from tests.bot.conftest import ADMIN, MANAGER, Roster, start_roster
from tests.waiting import eventually

EVE = "eve@example.org"


async def email_in_state(state: str) -> OutboxRow:
    async def probe() -> OutboxRow | None:
        return await OutboxRow.filter(to_address=EVE, state=state).first()

    return await eventually(probe, what=f"an email to {EVE} in state {state}")


async def test_a_server_that_is_down_then_up_gets_every_email_once(school: Roster) -> None:
    school.inbox.stop()
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')
    waiting = await email_in_state("retrying")
    assert "Connect" in waiting.last_error or "refused" in waiting.last_error.lower()
    school.inbox.start()
    sent = await email_in_state("sent")
    assert sent.attempts >= 2 and sent.sent_at is not None
    await school.inbox.wait_for(EVE)
    assert len(school.inbox.to(EVE)) == 1


async def test_a_busy_server_is_tried_again_and_a_refusal_is_kept_with_its_reason(
    school: Roster,
) -> None:
    await school.inbox.wait_for("lea@school.org")
    school.inbox.refuse_next("451 4.3.0 Mailbox busy, try later")
    assert "Added" in await school.run(MANAGER, f'add "Sales Team" {EVE}')
    sent = await email_in_state("sent")
    assert sent.attempts == 2 and sent.last_error == ""
    school.inbox.refuse_next("550 5.1.1 No such user here")
    assert "Added" in await school.run(MANAGER, 'add "Sales Team" nobody@example.org')

    async def failed() -> OutboxRow | None:
        return await OutboxRow.filter(to_address="nobody@example.org", state="failed").first()

    refused = await eventually(failed, what="the refused email")
    assert refused.last_error == "550 5.1.1 No such user here" and refused.attempts == 1
    assert school.inbox.to("nobody@example.org") == []


async def test_without_smtp_emails_wait_are_told_once_and_go_out_when_smtp_is_set(
    database_url: str, mail_server: MailServer
) -> None:
    async with start_roster(database_url, mail_server=None) as roster:
        assert "Created" in await roster.run(ADMIN, "create Sales Team")
        assert "Added" in await roster.run(ADMIN, f'add "Sales Team" {EVE}')
        told = await roster.slack.wait_for(
            lambda: [m for m in roster.slack.messages if m.channel == roster.slack.dm_id(ADMIN)]
        )
        assert "set SMTP_URL" in told[0].text and "Nothing is lost" in told[0].text
        assert "Added" in await roster.run(ADMIN, 'add "Sales Team" zoe@example.org')
        assert await OutboxRow.filter(state="queued").count() == 2
    async with start_roster(database_url, mail_server=None) as roster:
        assert await OutboxRow.filter(state="queued").count() == 2
        assert [m for m in roster.slack.messages if m.channel == roster.slack.dm_id(ADMIN)] == []
        log = await roster.run(ADMIN, "log emails")
        assert "2 email(s) are waiting: no mail server is set" in log
    async with start_roster(database_url, mail_server=mail_server) as roster:
        await mail_server.wait_for(EVE)
        await mail_server.wait_for("zoe@example.org")

        async def all_sent() -> bool:
            return await OutboxRow.filter(state="sent").count() == 2

        await eventually(all_sent, what="both waiting emails marked sent")
        assert len(mail_server.received) == 2
