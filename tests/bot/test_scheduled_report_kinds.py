"""Every kind of scheduled report: completions, who needs attention, bulk actions
and emails beside group progress; narrowed to a course; and periods with nothing
to report skipped (and recorded) when the schedule says so."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.ids import Field
from domain.clock import utc_now
from domain.entities import SlackProfile
from domain.schedules import DeliveryState, ReportKind
from slack_emulator.driver import block_texts
from storage.models import EnrollmentRow
from tests.bot.activity import seat_classroom
from tests.bot.conftest import ADMIN, MANAGER, OTHER_MANAGER, Roster, allow_bulk
from tests.bot.schedules import report_runner, scheduled

CHANNEL = "C0GENERAL"
OTHER = SlackProfile(OTHER_MANAGER, "olga@school.org", "Olga")
TITLES = ("Progress of", "Completions in", "Needs attention in", "Bulk actions on", "Emails to")


@pytest.fixture
async def reporting(school: Roster) -> Roster:
    """The classroom of ``seat_classroom``; MANAGER may also manage scheduled reports,
    bulk actions and read activity; Roster is in #general."""
    await seat_classroom(school)
    for capability in ("reports.manage", "users.manage.bulk", "activity.view"):
        await allow_bulk(school, capability=capability)
    school.slack.join(CHANNEL)
    return school


def _posted(roster: Roster) -> list[str]:
    """The reports in #general (not the answers to commands typed there)."""
    texts = [
        "\n".join(block_texts(m.blocks))
        for m in roster.slack.messages
        if m.channel == CHANNEL and m.blocks and not m.thread_ts
    ]
    return [t for t in texts if t.startswith(TITLES)]


async def _completed_at(when: datetime) -> None:
    """ana and ben completed Python 101 at ``when``."""
    await EnrollmentRow.filter(completed_at__isnull=False).update(completed_at=when)


async def test_each_kind_posts_its_own_figures_for_its_period(reporting: Roster) -> None:
    said = await reporting.run(MANAGER, 'enrol "Sales Team" Onboarding')
    assert "The preview is in our direct message" in said, said
    kinds = ("completion", "attention", "bulk", "emails")
    made = [await scheduled(reporting, f'"Sales Team" {k} weekly mon 09:00 here') for k in kinds]
    due = made[0].timing.following(utc_now())
    await _completed_at(made[0].timing.previous(due) + timedelta(hours=1))
    assert await report_runner(reporting).run_due(due + timedelta(seconds=20)) == len(kinds)
    completion, attention, bulk, emails = _posted(reporting)

    assert "Completions in Sales Team" in completion
    assert (
        "*Completed in this period (2)*" in completion and "*Python 101*: 2 completed" in completion
    )
    assert "ana@school.org" in completion and "ben@school.org" in completion
    assert "Python 101: 40% (2 of 5)" in completion

    assert "Needs attention in Sales Team" in attention and "*Needs attention (2)*" in attention
    assert "dan@school.org" in attention and "_never signed in_" in attention
    assert "eve@school.org" in attention and "_stalled_" in attention
    assert "ana@school.org" not in attention

    assert "Bulk actions on Sales Team" in bulk and "enrol in course · *Sales Team*" in bulk

    assert "Emails to Sales Team" in emails and "No emails" not in emails
    assert "invitation" in emails or "sent: *" in emails


async def test_a_quiet_schedule_records_an_empty_period_and_run_now_still_posts(
    reporting: Roster,
) -> None:
    schedule = await scheduled(reporting, '"Sales Team" completion weekly mon 09:00 here quiet')
    listed = await reporting.run(MANAGER, "schedule list")
    assert "skipped when there is nothing to report" in listed
    due = schedule.timing.following(utc_now())
    await _completed_at(schedule.timing.previous(due) - timedelta(days=1))
    reports = report_runner(reporting)
    assert await reports.run_due(due + timedelta(seconds=20)) == 0
    assert _posted(reporting) == [], "nobody completed anything this week: nothing posted"
    (delivery,) = await reporting.services.schedules.deliveries(schedule)
    assert delivery.state is DeliveryState.QUIET
    assert await reports.run_due(due + timedelta(minutes=5)) == 0, "recorded once, not retried"
    log = await reporting.run(MANAGER, "log reports completion")
    assert "_nothing to report, not posted_" in log

    assert "was posted" in await reporting.run(MANAGER, f"schedule run {schedule.id}")
    (report,) = _posted(reporting)
    assert "Nobody completed a course in this period." in report


async def test_a_report_narrowed_to_a_course_counts_only_that_course(reporting: Roster) -> None:
    assert "now includes" in await reporting.run(ADMIN, 'courses "Sales Team" add Onboarding')
    schedule = await scheduled(
        reporting, '"Sales Team" progress course "Python 101" weekly mon 09:00 here'
    )
    assert schedule.focus.course is not None and schedule.focus.course.title == "Python 101"
    assert "(in Python 101)" in await reporting.run(MANAGER, "schedule list")
    due = schedule.timing.following(utc_now())
    assert await report_runner(reporting).run_due(due + timedelta(seconds=20)) == 1
    (report,) = _posted(reporting)
    assert "Progress of Sales Team in Python 101" in report
    assert "*Python 101* · 5 enrolled" in report and "Onboarding" not in report


async def test_only_reports_over_enrolments_take_a_course(reporting: Roster) -> None:
    said = await reporting.run(
        MANAGER, 'schedule add "Sales Team" bulk course "Python 101" weekly mon 09:00 here'
    )
    assert "a bulk report covers the whole group" in said
    assert "leave the course and segment out" in said
    said = await reporting.run(MANAGER, 'schedule add "Sales Team" grades weekly mon 09:00 here')
    assert "`grades` is not a report to schedule" in said and "completion" in said
    assert await reporting.services.schedules.active() == []


async def test_the_form_picks_the_kind_and_whether_to_post_an_empty_period(
    reporting: Roster,
) -> None:
    opened = await reporting.driver.command(MANAGER, "schedule")
    modal = await opened.modal()
    await reporting.driver.submit(
        MANAGER,
        modal,
        {
            Field.SCHEDULE_KIND: "attention",
            Field.SCHEDULE_GROUP: "Sales Team",
            Field.SCHEDULE_COURSE: "Python 101",
            Field.SCHEDULE_WHERE: CHANNEL,
            Field.SCHEDULE_EMPTY: [],
        },
    )
    assert "Scheduled report *#" in "\n".join(block_texts(modal.body["blocks"]))
    (schedule,) = await reporting.services.schedules.active()
    assert schedule.kind is ReportKind.ATTENTION and not schedule.post_empty
    assert schedule.timing.words().startswith("weekly on mon at 09:00"), "the form's initial time"
    assert schedule.focus.course is not None and schedule.focus.course.title == "Python 101"


async def test_a_channel_picked_by_name_is_where_it_posts(reporting: Roster) -> None:
    schedule = await scheduled(reporting, '"Sales Team" bulk weekly mon 09:00 #general')
    assert schedule.channel == CHANNEL
    elsewhere = reporting.slack.add_channel("random")
    said = await reporting.run(MANAGER, 'schedule add "Sales Team" bulk weekly mon 09:00 #random')
    assert f"Roster is not in <#{elsewhere}>" in said and "/invite @Roster" in said
    assert len(await reporting.services.schedules.active()) == 1


async def test_editing_opens_the_form_filled_in_and_saves_in_place(reporting: Roster) -> None:
    made = await scheduled(reporting, '"Sales Team" progress weekly mon 09:00 here file')
    opened = await reporting.driver.command(MANAGER, f"schedule edit {made.id}")
    modal = await opened.modal()
    filled = {b["block_id"]: b["element"] for b in modal.body["blocks"] if b["type"] == "input"}
    assert filled[Field.SCHEDULE_KIND]["initial_option"]["value"] == "progress"
    assert filled[Field.SCHEDULE_GROUP]["initial_value"] == f"#{made.group_id}"
    assert filled[Field.SCHEDULE_WHEN]["initial_value"] == "weekly mon 09:00 America/Los_Angeles"
    assert filled[Field.SCHEDULE_WHERE]["initial_conversation"] == CHANNEL
    assert [o["value"] for o in filled[Field.SCHEDULE_FILE]["initial_options"]] == ["file"]
    await reporting.driver.submit(
        MANAGER,
        modal,
        {
            Field.SCHEDULE_KIND: "attention",
            Field.SCHEDULE_WHEN: "daily 07:30",
            Field.SCHEDULE_EMPTY: [],
        },
    )
    assert f"Scheduled report *#{made.id}* is saved" in "\n".join(block_texts(modal.body["blocks"]))
    (saved,) = await reporting.services.schedules.active()
    assert (saved.id, saved.kind, saved.post_empty) == (made.id, ReportKind.ATTENTION, False)
    assert saved.timing.words() == "daily at 07:30 America/Los_Angeles" and saved.with_file
    assert saved.channel == CHANNEL


async def test_a_schedule_of_another_group_cannot_be_edited(reporting: Roster) -> None:
    made = await scheduled(reporting, '"Sales Team" progress weekly mon 09:00 here')
    await allow_bulk(reporting, OTHER, capability="reports.manage")
    forms = [c for c in reporting.slack.calls if c.method == "views.open"]
    said = await reporting.run(OTHER_MANAGER, f"schedule edit {made.id}")
    assert f"no scheduled report called *{made.id}*" in said.lower(), said
    assert [c for c in reporting.slack.calls if c.method == "views.open"] == forms
