"""Slack being slow to answer ``users.info`` never makes Roster miss Slack's 3 seconds.

Before, a form looked each chosen manager up one after the other before its
ack, and the middleware looked a new caller up before the command's ack; with a
429 and the retry handler sleeping ``Retry-After``, Slack gave up waiting. Now
the lookups run side by side for a bounded time; a form then says it is saving
and shows the outcome when it is ready, and a command is acknowledged first and
answered once the caller is known. The driver gives up after 3 seconds as Slack
does (``timed_out``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from local_smtp import MailServer
from slack_emulator.state import View
from storage.models import GroupManagerRow, GroupRow, UserRow
from tests.bot.conftest import (
    ADMIN,
    LEARNER,
    LEARNER_EMAIL,
    MANAGER,
    OTHER_MANAGER,
    Roster,
    furnish,
    start_roster,
)

SLOW = 3
"""Seconds Slack asks Roster to wait after a 429: longer than a lookup may hold an ack."""


@pytest.fixture
async def school(database_url: str, mail_server: MailServer) -> AsyncIterator[Roster]:
    """The school with Slack's Retry-After in real seconds: these tests are about
    how long Slack makes Roster wait."""
    async with start_roster(database_url, mail_server, pace=1.0) as roster:
        with roster.slack.unlimited():
            furnished = await furnish(roster)
        yield furnished


def shows(view: View, text: str) -> bool:
    return any(text in str(b.get("text", {}).get("text", "")) for b in view.body["blocks"])


async def test_a_new_group_with_managers_is_acknowledged_in_time_and_then_shown(
    school: Roster,
) -> None:
    modal = await (await school.driver.command(ADMIN, "create")).modal()
    school.slack.rate_limit("users.info", times=2, retry_after=SLOW)
    submitted = await school.driver.submit(
        ADMIN, modal, {"title": "Marketing", "managers": [MANAGER, OTHER_MANAGER]}
    )
    assert not submitted.timed_out and submitted.status == 200
    assert shows(modal, "Slack is slow to answer Roster")
    await school.slack.wait_for(lambda: shows(modal, "Created *Marketing*"), timeout=10)
    group = await GroupRow.get(title="Marketing")
    assert await GroupManagerRow.filter(group=group).count() == 2


async def test_managers_chosen_in_the_form_are_saved_though_slack_is_slow(school: Roster) -> None:
    home = await school.driver.home(ADMIN)
    support = await GroupRow.get(title="Support")
    click = await school.driver.click(ADMIN, home, "groups.menu", option=f"managers:{support.id}")
    modal = await click.modal()
    school.slack.rate_limit("users.info", times=1, retry_after=SLOW)
    submitted = await school.driver.submit(ADMIN, modal, {"managers": [MANAGER, OTHER_MANAGER]})
    assert not submitted.timed_out
    await school.slack.wait_for(lambda: shows(modal, "Managers of *Support*"), timeout=10)
    ids = await GroupManagerRow.filter(group=support).values_list("user__slack_user_id", flat=True)
    assert set(ids) == {MANAGER, OTHER_MANAGER}


async def test_a_new_caller_is_answered_though_slack_is_slow_to_say_who_they_are(
    school: Roster,
) -> None:
    assert not await UserRow.filter(slack_user_id=LEARNER).exists()
    school.slack.rate_limit("users.info", times=1, retry_after=SLOW)
    asked = await school.driver.command(LEARNER, "whoami")
    assert not asked.timed_out and asked.status == 200
    answer = (await asked.reply(timeout=10)).text
    assert LEARNER_EMAIL in answer
    assert (await UserRow.get(slack_user_id=LEARNER)).email == LEARNER_EMAIL
