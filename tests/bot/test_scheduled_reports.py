"""Scheduled reports: made with /group schedule, posted once per period by the
delivery logic run at chosen moments (no test waits for real minutes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.ids import Field
from domain.clock import utc_now
from domain.entities import SlackProfile
from domain.schedules import DeliveryState, ReportSchedule
from slack_emulator.driver import block_texts
from tests.bot.conftest import ADMIN, MANAGER, OTHER_MANAGER, Roster, allow_bulk
from tests.bot.schedules import report_runner, scheduled

CHANNEL = "C0GENERAL"
DIRECT = "D0MANAGER"


@pytest.fixture
async def scheduling(school: Roster) -> Roster:
    """MANAGER may read analytics and manage scheduled reports; Roster is in #general."""
    await allow_bulk(school, capability="analytics.view")
    await allow_bulk(school, capability="reports.manage")
    assert "Added" in await school.run(ADMIN, 'add "Sales Team" ana@school.org')
    school.slack.join(CHANNEL)
    return school


def _reports_in(roster: Roster, channel: str) -> list[str]:
    return [
        "\n".join(block_texts(m.blocks))
        for m in roster.slack.messages
        if m.channel == channel and m.blocks and not m.thread_ts
    ]


async def _told(roster: Roster, words: str) -> str:
    found = await roster.slack.wait_for(
        lambda: [m.text for m in roster.slack.messages if m.channel == DIRECT and words in m.text]
    )
    return str(found[-1])


def _first_run(schedule: ReportSchedule) -> datetime:
    return schedule.timing.following(utc_now())


async def test_a_weekly_schedule_made_by_command_posts_each_period_once(
    scheduling: Roster,
) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress weekly mon 09:00 here')
    assert schedule.timing.zone == "America/Los_Angeles", "the creator's Slack time zone"
    monday = _first_run(schedule)
    reports = report_runner(scheduling)
    assert await reports.run_due(monday - timedelta(minutes=1)) == 0
    assert await reports.run_due(monday + timedelta(seconds=20)) == 1
    assert await reports.run_due(monday + timedelta(seconds=80)) == 0, "the same period"
    assert await reports.run_due(monday + timedelta(days=2)) == 0, "still the same period"
    posted = _reports_in(scheduling, CHANNEL)
    assert len(posted) == 1 and "Progress of Sales Team" in posted[0]
    assert await reports.run_due(monday + timedelta(days=7, seconds=5)) == 1, "next week's"
    deliveries = await scheduling.services.schedules.deliveries(schedule)
    assert [d.state for d in deliveries] == [DeliveryState.POSTED] * 2
    assert all(d.ts for d in deliveries)


async def test_a_second_process_firing_the_same_period_posts_nothing(scheduling: Roster) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress daily 07:30 UTC here')
    due = _first_run(schedule) + timedelta(seconds=1)
    one, two = report_runner(scheduling), report_runner(scheduling)
    assert await one.run_due(due) + await two.run_due(due) == 1
    assert len(_reports_in(scheduling, CHANNEL)) == 1


async def test_a_channel_without_roster_is_refused_with_the_fix(scheduling: Roster) -> None:
    scheduling.slack.add_channel("quiet", channel_id="C0NOROSTER", members=[MANAGER])
    interaction = await scheduling.driver.command(
        MANAGER, 'schedule add "Sales Team" progress daily 09:00 here', channel_id="C0NOROSTER"
    )
    said = (await interaction.reply()).text
    assert "Roster is not in" in said and "/invite @Roster" in said
    assert await scheduling.services.schedules.active() == []


async def test_bad_timing_names_the_fix_and_saves_nothing(scheduling: Roster) -> None:
    said = await scheduling.run(
        MANAGER, 'schedule add "Sales Team" progress weekly funday 09:00 me'
    )
    assert "funday is not a weekday" in said and "mon, tue" in said
    said = await scheduling.run(MANAGER, 'schedule add "Sales Team" progress daily 9am me')
    assert "not HH:MM" in said
    assert await scheduling.services.schedules.active() == []


async def test_a_delivery_cut_short_by_a_restart_is_uncertain_and_never_posted_again(
    scheduling: Roster,
) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress daily 08:00 UTC here')
    due = _first_run(schedule)
    schedules = scheduling.services.schedules
    delivery = await schedules.claim(schedule, due, now=due)
    assert delivery is not None and await schedules.start_posting(delivery, now=due)
    restarted = report_runner(scheduling)
    await restarted.recover(now=due + timedelta(minutes=2))
    told = await _told(scheduling, "may or may not")
    assert "won't post it again" in told
    assert await restarted.run_due(due + timedelta(minutes=3)) == 0
    assert _reports_in(scheduling, CHANNEL) == []
    assert [d.state for d in await schedules.deliveries(schedule)] == [DeliveryState.UNCERTAIN]


async def test_a_missed_run_is_posted_within_the_grace_time_else_recorded_as_missed(
    scheduling: Roster,
) -> None:
    late = await scheduled(scheduling, '"Sales Team" progress daily 06:00 UTC here')
    due = _first_run(late)
    reports = report_runner(scheduling)
    assert await reports.run_due(due + timedelta(minutes=40)) == 1, "back 40 minutes late"
    assert await reports.run_due(due + timedelta(days=1, hours=3)) == 0, "back 3 hours late"
    states = [d.state for d in await scheduling.services.schedules.deliveries(late)]
    assert states == [DeliveryState.POSTED, DeliveryState.MISSED]
    assert len(_reports_in(scheduling, CHANNEL)) == 1


async def test_paused_schedules_wait_and_resume(scheduling: Roster) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress weekdays 10:00 UTC here')
    assert "is paused" in await scheduling.run(MANAGER, f"schedule pause {schedule.id}")
    due = _first_run(schedule)
    reports = report_runner(scheduling)
    assert await reports.run_due(due + timedelta(seconds=5)) == 0
    assert "_paused_" in await scheduling.run(MANAGER, "schedule list")
    assert "running again" in await scheduling.run(MANAGER, f"schedule resume {schedule.id}")
    assert await reports.run_due(due + timedelta(seconds=65)) == 1


async def test_run_now_posts_at_once_and_the_list_shows_the_next_run(scheduling: Roster) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress monthly 1 09:00 here file')
    await allow_bulk(scheduling, capability="analytics.export")
    said = await scheduling.run(MANAGER, f"schedule run {schedule.id}")
    assert "was posted to <#C0GENERAL>" in said
    assert len(_reports_in(scheduling, CHANNEL)) == 1
    listed = await scheduling.run(MANAGER, "schedule list")
    assert f"#{schedule.id}" in listed and "monthly on day 1 at 09:00" in listed
    assert "next" in listed and "with the file" in listed


async def test_when_the_owner_loses_the_permission_the_schedule_pauses_and_they_are_told(
    scheduling: Roster,
) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress daily 09:00 UTC here')
    services = scheduling.services
    admin = await services.users.actor(ADMIN)
    manager = await services.permissions.subject(
        admin, SlackProfile(MANAGER, "max@school.org", "Max")
    )
    held = (await services.permissions.of(admin, manager)).capabilities
    await services.permissions.save(admin, manager, [c for c in held if c != "analytics.view"])
    reports = report_runner(scheduling)
    assert await reports.run_due(_first_run(schedule) + timedelta(seconds=3)) == 0
    told = await _told(scheduling, "is paused")
    assert "View user analytics" in told and f"schedule resume {schedule.id}" in told
    assert await services.schedules.active() == []
    assert _reports_in(scheduling, CHANNEL) == []


async def test_someone_elses_schedule_answers_as_absent(scheduling: Roster) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress daily 09:00 UTC here')
    said = await scheduling.run(ADMIN, f"schedule delete {schedule.id}")
    assert "is deleted" in said
    said = await scheduling.run(MANAGER, f"schedule run {schedule.id}")
    assert "There is no scheduled report called" in said


async def test_the_log_shows_in_progress_upcoming_and_past_deliveries_filtered(
    scheduling: Roster,
) -> None:
    posted = await scheduled(scheduling, '"Sales Team" progress daily 05:00 UTC here')
    stuck = await scheduled(scheduling, '"Sales Team" progress weekly fri 16:00 UTC me')
    await report_runner(scheduling).run_due(_first_run(posted) + timedelta(seconds=2))
    schedules = scheduling.services.schedules
    due = _first_run(stuck)
    delivery = await schedules.claim(stuck, due, now=due)
    assert delivery is not None and await schedules.start_posting(delivery, now=due)
    log = await scheduling.run(MANAGER, "log reports progress 7d")
    assert "Activity Log: scheduled reports (type progress)" in log and "since <!date^" in log
    progress, upcoming = log.split("*In progress*")[1].split("*Upcoming*")
    upcoming, past = upcoming.split("*Past deliveries*")
    assert f"*#{stuck.id}*" in progress and "_posting_" in progress
    assert f"*#{posted.id}*" in upcoming and f"*#{stuck.id}*" in upcoming
    assert f"*#{posted.id}*" in past and "_posted_" in past and "_posting_" not in past
    later = (utc_now() + timedelta(days=9)).strftime("%Y-%m-%d")
    log = await scheduling.run(MANAGER, f"log reports {later}")
    assert "_posted_" not in log.split("*Past deliveries*")[1]
    said = await scheduling.run(MANAGER, "log reports weekly")
    assert "`weekly` is neither a report type (progress, completion, attention" in said


async def test_a_schedule_made_in_the_form_posts_on_time(scheduling: Roster) -> None:
    opened = await scheduling.driver.command(MANAGER, "schedule")
    modal = await opened.modal()
    await scheduling.driver.submit(
        MANAGER,
        modal,
        {
            Field.SCHEDULE_GROUP: "Sales Team",
            Field.SCHEDULE_WHEN: "weekly someday 09:00",
            Field.SCHEDULE_WHERE: CHANNEL,
        },
    )
    assert await scheduling.services.schedules.active() == [], "a bad field saves nothing"
    await scheduling.driver.submit(
        MANAGER,
        modal,
        {
            Field.SCHEDULE_GROUP: "Sales Team",
            Field.SCHEDULE_WHEN: "weekly thu 18:30 Europe/Madrid",
            Field.SCHEDULE_WHERE: CHANNEL,
            Field.SCHEDULE_FILE: ["file"],
        },
    )
    assert "Scheduled report *#" in "\n".join(block_texts(modal.body["blocks"]))
    (schedule,) = await scheduling.services.schedules.active()
    assert schedule.timing.words() == "weekly on thu at 18:30 Europe/Madrid"
    assert schedule.with_file and schedule.channel == CHANNEL
    due = _first_run(schedule)
    assert due.astimezone(ZoneInfo("Europe/Madrid")).strftime("%a %H:%M") == "Thu 18:30"
    assert await report_runner(scheduling).run_due(due + timedelta(seconds=30)) == 1
    assert len(_reports_in(scheduling, CHANNEL)) == 1


async def test_a_form_with_a_bad_time_says_so_on_the_field(scheduling: Roster) -> None:
    modal = await (await scheduling.driver.command(MANAGER, "schedule")).modal()
    answer = await scheduling.driver.submit(
        MANAGER,
        modal,
        {
            Field.SCHEDULE_GROUP: "Sales Team",
            Field.SCHEDULE_WHEN: "daily 25:00",
            Field.SCHEDULE_WHERE: CHANNEL,
        },
    )
    assert Field.SCHEDULE_WHEN in answer.body and "not HH:MM" in answer.body
    assert await scheduling.services.schedules.active() == []


async def test_a_post_slack_refuses_is_retried_with_backoff_then_given_up(
    scheduling: Roster,
) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress daily 11:00 UTC here')
    due = _first_run(schedule)
    general = scheduling.slack.channels[CHANNEL]
    general.members.discard(scheduling.slack.bot_user_id)
    reports = report_runner(scheduling)
    assert await reports.run_due(due + timedelta(seconds=5)) == 0
    told = await _told(scheduling, "could not be posted")
    assert "`not_in_channel`" in told and "try again in a few minutes" in told
    assert await reports.run_due(due + timedelta(seconds=30)) == 0, "not a minute yet"
    general.members.add(scheduling.slack.bot_user_id)
    assert await reports.run_due(due + timedelta(minutes=1, seconds=10)) == 1
    (delivery,) = await scheduling.services.schedules.deliveries(schedule)
    assert delivery.state is DeliveryState.POSTED and delivery.attempts == 1
    assert len(_reports_in(scheduling, CHANNEL)) == 1

    stuck = await scheduled(scheduling, '"Sales Team" progress daily 12:00 UTC here')
    general.members.discard(scheduling.slack.bot_user_id)
    moment = _first_run(stuck) + timedelta(seconds=1)
    for minutes in (0, 1, 3, 7, 15):
        await reports.run_due(moment + timedelta(minutes=minutes))
    (delivery,) = await scheduling.services.schedules.deliveries(stuck)
    assert delivery.state is DeliveryState.FAILED and delivery.attempts == 4
    assert "has given up" in await _told(scheduling, "has given up")


async def test_app_home_shows_the_next_scheduled_reports_to_those_who_manage_them(
    scheduling: Roster,
) -> None:
    schedule = await scheduled(scheduling, '"Sales Team" progress daily 09:00 here')
    home = await scheduling.driver.home(MANAGER)
    assert "Scheduled reports" in home.text
    assert f"*#{schedule.id}* progress of Sales Team" in home.text
    assert "Scheduled reports" not in (await scheduling.driver.home(OTHER_MANAGER)).text
