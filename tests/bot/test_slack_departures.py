"""When Slack drops Roster, Roster stops calling Slack, tells the admins by email,
and carries on once Slack takes its token again; a deactivated manager is paused.

Before, ``app_uninstalled``, ``tokens_revoked`` and ``user_change`` had no
listener: bolt answered 404, Slack retried, and Roster went on calling Slack
with a dead token (jobs, notices) and on trusting a deactivated manager.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from local_smtp import MailServer, text_of
from storage.models import BulkJobRow, OutboxRow
from tests.bot.conftest import (
    ADMIN,
    LEARNER,
    MANAGER,
    Roster,
    allow_bulk,
    furnish,
    start_roster,
    workspace,
)
from tests.bot.test_bulk_import import HEADER, people
from tests.bot.uploads import in_thread, review, send_for_approval, upload
from tests.waiting import eventually
from tests.workbooks import workbook

ADMIN_EMAIL = "ada@school.org"


def calls_since(roster: Roster, mark: int) -> list[str]:
    return [c.method for c in roster.slack.calls[mark:]]


async def test_uninstalling_stops_every_call_to_slack_and_emails_the_admins_once(
    school: Roster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="roster.slack")
    mark = len(school.slack.calls)
    revoked, uninstalled = await school.driver.uninstall()
    assert revoked.status == uninstalled.status == 200
    email = await school.inbox.wait_for(ADMIN_EMAIL)
    assert email["Subject"] == "Example School: Roster was disconnected from Slack"
    assert "Roster was uninstalled" not in text_of(email)  # the first event said why
    assert "token was revoked" in text_of(email) and "Nothing is lost" in text_of(email)
    assert "Slack dropped Roster (tokens_revoked)" in caplog.text

    opened = await school.driver.command(ADMIN, "create")
    reply = await opened.reply()
    assert "Roster can't act in Slack right now" in reply.text
    await asyncio.sleep(0.3)
    assert calls_since(school, mark) == []
    assert await OutboxRow.filter(trigger="slack_removed").count() == 1


async def test_a_token_slack_refuses_is_noticed_though_its_events_were_lost(
    school: Roster,
) -> None:
    school.slack.uninstall()  # and Roster never hears app_uninstalled
    await school.driver.open_home(ADMIN)
    email = await school.inbox.wait_for(ADMIN_EMAIL)
    assert "Slack stopped accepting Roster's token" in text_of(email)
    mark = len(school.slack.calls)
    await school.driver.open_home(ADMIN)
    await asyncio.sleep(0.3)
    assert calls_since(school, mark) == []


async def test_a_revoked_user_token_is_not_roster_leaving(school: Roster) -> None:
    await school.driver.event(
        ADMIN, {"type": "tokens_revoked", "tokens": {"oauth": [ADMIN], "bot": []}}
    )
    reply = await (await school.driver.command(ADMIN, "list")).reply()
    assert "Roster can't act" not in reply.text
    assert await school.services.workspace.departure() is None


async def test_jobs_wait_while_slack_has_dropped_roster_and_resume_once_it_is_back(
    database_url: str,
) -> None:
    slack = await workspace()
    try:
        async with start_roster(database_url, None, slack=slack, run_jobs=False) as roster:
            await allow_bulk(await furnish(roster))
            preview = await upload(roster, "team.xlsx", workbook(HEADER, *people(5)))
            await review(roster, await send_for_approval(roster, preview))
            await roster.driver.uninstall()
            await eventually(roster.services.workspace.departure, what="the departure")

        async with start_roster(database_url, None, slack=slack) as roster:
            mark = len(slack.calls)
            await asyncio.sleep(2.5)  # a few rounds of the job runner
            assert (await BulkJobRow.get()).state == "approved"
            assert set(calls_since(roster, mark)) <= {"auth.test"}
            assert all(not c.ok for c in slack.calls[mark:])

        slack.reinstall("xoxb-reinstalled")
        async with start_roster(
            database_url, None, slack=slack, slack_bot_token="xoxb-reinstalled"
        ) as roster:
            summary = await in_thread(roster, preview, "team.xlsx* done", timeout=30)
            assert "*5* created" in summary.text
            assert await roster.services.workspace.departure() is None
    finally:
        await slack.stop()


async def test_the_missing_mail_server_notice_waits_for_slack_too(database_url: str) -> None:
    slack = await workspace()
    try:
        async with start_roster(database_url, None, slack=slack) as roster:
            await roster.run(ADMIN, "whoami")
            await roster.driver.uninstall()
            mark = len(slack.calls)
            await eventually(roster.services.emails.waiting, what="the email to the admin")
            await asyncio.sleep(0.3)
            assert calls_since(roster, mark) == []

        slack.reinstall("xoxb-reinstalled")
        async with start_roster(
            database_url, None, slack=slack, slack_bot_token="xoxb-reinstalled"
        ) as roster:

            def notice() -> list[str]:
                return [m.text for m in slack.messages if "waiting to be sent" in m.text]

            assert "1 email(s)" in (await slack.wait_for(notice, timeout=10))[0]
    finally:
        await slack.stop()


async def test_a_deactivated_manager_is_paused_and_the_admins_told(
    school: Roster, mail_server: MailServer
) -> None:
    assert "Sales Team" in await school.run(MANAGER, "list")
    mark = len(school.slack.calls)
    gone = await school.driver.user_changed(MANAGER, deleted=True)
    assert gone.status == 200
    email = await school.inbox.wait_for(ADMIN_EMAIL)
    assert email["Subject"] == "Example School: max@school.org was deactivated in Slack"
    assert "managers of Sales Team" in text_of(email)
    told = await gone.call("chat.postMessage")
    assert told.args["channel"] == ADMIN and "<@U0MANAGER>" in told.args["text"]
    assert "paused" in told.args["text"]

    assert "You can't do that" in await school.run(MANAGER, "list")
    home = await school.driver.home(ADMIN)
    assert "<@U0MANAGER> (paused: deactivated in Slack)" in home.text

    await school.driver.user_changed(MANAGER, deleted=True)  # another edit of the profile
    back = await school.driver.user_changed(MANAGER, deleted=False)
    await school.inbox.wait_for(ADMIN_EMAIL, count=2)
    assert "active in Slack again" in (await back.call("chat.postMessage")).args["text"]
    assert len(mail_server.to(ADMIN_EMAIL)) == 2
    assert "Sales Team" in await school.run(MANAGER, "list")
    assert [m for m in calls_since(school, mark) if m == "chat.postMessage"]


async def test_someone_who_runs_nothing_is_paused_without_a_word(school: Roster) -> None:
    await school.run(LEARNER, "whoami")
    changed = await school.driver.user_changed(LEARNER, deleted=True)
    assert changed.status == 200
    await asyncio.sleep(0.3)
    assert not [c for c in school.slack.calls[changed.call_mark :] if c.method != "auth.test"]
    assert await OutboxRow.filter(trigger="manager_paused").count() == 0
