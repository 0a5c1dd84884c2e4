"""Scheduled reports in Slack: the list, confirmations, and what owners are told."""

from __future__ import annotations

from datetime import datetime

from bot.ids import Field, Modal
from bot.views.blocks import (
    Block,
    context,
    divider,
    escape,
    fallback,
    filter_words,
    header,
    packed,
    plain,
    section,
    when,
)
from bot.views.modals import View, input_block, modal
from domain.schedules import Delivery, ReportLog, ReportSchedule


def where(channel: str) -> str:
    return "our direct message" if channel.startswith("D") else f"<#{channel}>"


def schedule_line(schedule: ReportSchedule, now: datetime) -> str:
    state = (
        f"_paused_ {when(schedule.paused_at)}: {schedule.pause_reason}"
        if schedule.paused_at
        else f"next {when(schedule.timing.following(now))}"
    )
    file = " · with the file" if schedule.with_file else ""
    return (
        f"*#{schedule.id}* {schedule.kind.value} of *{escape(schedule.group_title)}* · "
        f"{schedule.timing.words()} · to {where(schedule.channel)}{file} · {state}"
    )


def schedule_list(schedules: list[ReportSchedule], now: datetime) -> tuple[str, list[Block]]:
    title = f"Scheduled reports ({len(schedules)})"
    blocks: list[Block] = [header(title)]
    if not schedules:
        blocks.append(
            section(
                "None yet. Schedule one with "
                '`/group schedule add "Sales Team" progress weekly mon 09:00 here`.'
            )
        )
    blocks.extend(section(t) for t in packed([schedule_line(s, now) for s in schedules])[:45])
    blocks.append(context("`/group schedule pause|resume|delete|run <number>`"))
    return fallback(title), blocks


def created(schedule: ReportSchedule, now: datetime) -> str:
    return (
        f"Scheduled report *#{schedule.id}*: {schedule.kind.value} of "
        f"*{escape(schedule.group_title)}*, {schedule.timing.words()}, to "
        f"{where(schedule.channel)}. The first one comes {when(schedule.timing.following(now))}."
    )


def changed(schedule: ReportSchedule, verb: str) -> str:
    return f"Scheduled report *#{schedule.id}* ({escape(schedule.group_title)}) {verb}."


def ran(schedule: ReportSchedule, done: bool) -> str:
    if done:
        return f"Scheduled report *#{schedule.id}* was posted to {where(schedule.channel)}."
    return f"Scheduled report *#{schedule.id}* was not posted; our direct message says why."


def paused_for(schedule: ReportSchedule, reason: str) -> str:
    return (
        f"Scheduled report *#{schedule.id}* ({escape(schedule.group_title)}) is paused: "
        f"{reason} Once that is fixed, `/group schedule resume {schedule.id}`."
    )


def failed(schedule: ReportSchedule, error: str, *, retrying: bool) -> str:
    then = (
        "Roster will try again in a few minutes."
        if retrying
        else "Roster has given up on this one; the next period comes as usual."
    )
    return (
        f"Scheduled report *#{schedule.id}* ({escape(schedule.group_title)}) could not be "
        f"posted to {where(schedule.channel)}: Slack said `{escape(error)}`. {then}"
    )


def uncertain(schedule: ReportSchedule, delivery: Delivery) -> str:
    return (
        f"Scheduled report *#{schedule.id}* ({escape(schedule.group_title)}) for "
        f"{when(delivery.period)} was being posted when Roster stopped. It may or may not "
        f"have reached {where(schedule.channel)}; Roster won't post it again. "
        f"`/group schedule run {schedule.id}` posts a fresh one."
    )


def _delivery_line(schedule: ReportSchedule, delivery: Delivery) -> str:
    detail = f" · `{escape(delivery.error)}`" if delivery.error else ""
    return (
        f"*#{schedule.id}* {schedule.kind.value} of {escape(schedule.group_title)} · "
        f"{when(delivery.period)} · _{delivery.state.value}_ · to {where(schedule.channel)}"
        f"{detail}"
    )


def report_log(log: ReportLog) -> tuple[str, list[Block]]:
    """In progress, Upcoming and past deliveries, each its own section."""
    chosen = filter_words(log.chosen, kind="type ")
    title = "Activity Log: scheduled reports" + (f" ({chosen})" if chosen else "")
    blocks: list[Block] = [header(title)]
    parts = (
        ("In progress", [_delivery_line(s, d) for s, d in log.in_progress]),
        ("Upcoming", [_upcoming_line(at, s) for at, s in log.upcoming]),
        ("Past deliveries", [_delivery_line(s, d) for s, d in log.past]),
    )
    for name, lines in parts:
        blocks.extend(section(t) for t in packed([f"*{name}*", *(lines or ["none"])])[:15])
    blocks.append(context("Filter: `/group log reports progress 7d`"))
    return fallback(title), blocks


HOME_ROWS = 5
"""Scheduled reports App Home shows: the log has the rest."""


def home_reports(log: ReportLog | None) -> list[Block]:
    """App Home's scheduled reports: those posting now and the next few; nothing for
    someone without the right, or before any schedule exists."""
    if log is None or not (log.in_progress or log.upcoming):
        return []
    lines = [
        *(f":hourglass_flowing_sand: {_delivery_line(s, d)}" for s, d in log.in_progress),
        *(_upcoming_line(at, s) for at, s in log.upcoming[:HOME_ROWS]),
    ]
    return [
        divider(),
        header("Scheduled reports"),
        *(section(text) for text in packed(lines)),
        context("Past deliveries and filters: `/group log reports`; all: `/group schedule list`."),
    ]


def _upcoming_line(at: datetime, schedule: ReportSchedule) -> str:
    return (
        f"*#{schedule.id}* {schedule.kind.value} of {escape(schedule.group_title)} · "
        f"{when(at)} · to {where(schedule.channel)}"
    )


def schedule_modal(here: str) -> View:
    """*Manage scheduled reports*: the same as ``/group schedule add``, as a form."""
    text = {"type": "plain_text_input"}
    blocks = [
        section("A group's progress report, posted on a timetable."),
        input_block(
            Field.SCHEDULE_GROUP,
            "Group",
            {**text, "placeholder": plain("Sales Team or #12")},
        ),
        input_block(
            Field.SCHEDULE_WHEN,
            "How often, at what time",
            {**text, "initial_value": "weekly mon 09:00"},
            hint="daily 09:00 · weekdays 08:30 · weekly mon 09:00 · monthly 1 09:00; add a time "
            "zone (Europe/Madrid) or leave it to yours in Slack",
        ),
        input_block(
            Field.SCHEDULE_WHERE,
            "Post to",
            {"type": "conversations_select", "default_to_current_conversation": True},
            hint="A channel Roster is in (invite it with /invite @Roster), or a direct message",
        ),
        input_block(
            Field.SCHEDULE_FILE,
            "With",
            {
                "type": "checkboxes",
                "options": [
                    {"text": plain("the XLSX and CSV of everyone"), "value": "file"},
                ],
            },
            optional=True,
        ),
    ]
    return modal(Modal.SCHEDULE, "Schedule a report", blocks, submit="Schedule", metadata=here)
