"""A scheduled events digest: posted once per period to its channel, with counts, who
completed and who never signed in, and buttons that act for whoever may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.report_schedules import ScheduledReports
from domain.clock import utc_now
from storage.models import OutboxRow
from tests.bot.activity import post
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk
from tests.bot.test_activity_api import LEA, event

CHANNEL = "C0GENERAL"


@pytest.fixture
async def digesting(school: Roster) -> Roster:
    """MANAGER may manage scheduled reports and read activity; two people in Sales Team
    never signed in; Lea signed in and completed Python 101 there."""
    await allow_bulk(school, capability="reports.manage")
    await allow_bulk(school, capability="activity.view")
    for email in ("ana@school.org", "bo@school.org", LEA):
        assert "Added" in await school.run(ADMIN, f'add "Sales Team" {email}')
    assert (await post(school, event("s1", "sign_in")))[0] == 200
    assert (await post(school, event("c1", "course_completed", course="Python 101")))[0] == 200
    school.slack.join(CHANNEL)
    return school


async def test_a_daily_digest_is_posted_once_and_its_button_resends_invitations(
    digesting: Roster,
) -> None:
    said = await digesting.run(MANAGER, 'schedule add "Sales Team" events daily 07:30 UTC here')
    assert "Scheduled report *#" in said, said
    schedule = (await digesting.services.schedules.active())[-1]
    due = schedule.timing.following(utc_now()) + timedelta(seconds=1)
    client = AsyncWebClient(token=digesting.slack.bot_token, base_url=digesting.slack.api_url)
    reports = ScheduledReports(client, digesting.services)
    assert await reports.run_due(due) == 1
    assert await ScheduledReports(client, digesting.services).run_due(due) == 0
    (digest,) = [
        m for m in digesting.slack.messages if m.channel == CHANNEL and "Events in" in m.text
    ]
    text = str(digest.blocks)
    assert "Events in Sales Team" in text and "`member.added`: *3*" in text
    assert "*Completed:* lea@school.org" in text
    assert "Invited, never signed in (2):* ana@school.org, bo@school.org" in text
    before = await OutboxRow.filter(trigger="invitation").count()
    click = await digesting.driver.click(ADMIN, digest, "groups.resend_invites")
    assert "Sending a new invitation to 2 member(s)" in (await click.reply()).text
    assert await OutboxRow.filter(trigger="invitation").count() == before + 2
    refused = await digesting.driver.click(MANAGER, digest, "events.digest.review")
    assert "View and manage the review center" in (await refused.reply()).text
