"""Every message Slack sends from Roster's direct message is acknowledged; a person's
plain message gets a short help, once; edits, deletions and bots' messages nothing.

Before, only ``file_share`` had a listener: bolt answered the rest with 404, and
Slack retried each three times (and may turn delivery off for such an app).
"""

from __future__ import annotations

import asyncio

from local_smtp import MailServer
from slack_emulator.state import Message
from tests.bot.conftest import MANAGER, Roster, start_roster, workspace

HELP = "I'm Roster, and I don't read messages"


def answers(roster: Roster) -> list[Message]:
    return [m for m in roster.slack.messages if HELP in m.text]


async def settled(roster: Roster) -> None:
    """Long enough for a listener that was going to post to have posted."""
    await asyncio.sleep(0.3)


async def test_a_plain_message_is_answered_with_help_once_even_when_slack_retries_it(
    roster: Roster,
) -> None:
    said = await roster.driver.dm(MANAGER, "hello, how do I add people?")
    assert [a.status for a in said.delivery.attempts] == [200]
    help_ = await said.call("chat.postMessage")
    assert help_.args["channel"] == "D0MANAGER"
    assert "`/group help`" in help_.args["text"] and "group's name" in help_.args["text"]

    assert await roster.driver.redeliver(said) == 200
    await settled(roster)
    assert len(answers(roster)) == 1


async def test_a_reply_in_a_thread_is_answered_in_that_thread(roster: Roster) -> None:
    said = await roster.driver.dm(MANAGER, "thanks!", thread_ts="1700000000.000100")
    assert (await said.call("chat.postMessage")).args["thread_ts"] == "1700000000.000100"


async def test_edits_deletions_and_bots_messages_are_acknowledged_and_left_alone(
    roster: Roster,
) -> None:
    message = (await roster.driver.dm(MANAGER, "Sales Team")).extra["message"]
    await roster.slack.wait_for(lambda: answers(roster))
    sent = [
        await roster.driver.edit_dm(MANAGER, message, "Sales & Support"),
        await roster.driver.delete_dm(MANAGER, message),
        await roster.driver.integration_dm(MANAGER, "Reminder: fill in the sheet"),
        await roster.driver.echo(answers(roster)[0]),
    ]
    assert [[a.status for a in s.delivery.attempts] for s in sent] == [[200]] * 4
    await settled(roster)
    assert len(answers(roster)) == 1
    assert not [c for c in roster.slack.calls[sent[0].call_mark :] if c.method != "auth.test"]


async def test_the_request_url_answers_slacks_challenge(roster: Roster) -> None:
    assert await roster.driver.verify_url()


async def test_an_event_taken_before_a_restart_is_not_taken_again(
    database_url: str, mail_server: MailServer
) -> None:
    slack = await workspace()
    try:
        async with start_roster(database_url, mail_server, slack=slack) as before:
            said = await before.driver.dm(MANAGER, "hello")
            await said.call("chat.postMessage")
        async with start_roster(database_url, mail_server, slack=slack) as after:
            assert await after.driver.redeliver(said) == 200
            await settled(after)
            assert len(answers(after)) == 1
    finally:
        await slack.stop()
