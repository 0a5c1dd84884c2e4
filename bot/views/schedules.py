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
    span_context,
    when,
)
from bot.views.modals import View, input_block, modal
from domain.schedules import Delivery, DeliveryState, ReportKind, ReportLog, ReportSchedule


def where(channel: str) -> str:
    return "our direct message" if channel.startswith("D") else f"<#{channel}>"


def _what(schedule: ReportSchedule, *, strong: bool = True) -> str:
    """``progress of *Sales Team* (in Python 101, Late starters)``."""
    focus = schedule.focus.words()
    narrowed = f" ({escape(focus)})" if focus else ""
    title = escape(schedule.group_title)
    return f"{schedule.kind.value} of {f'*{title}*' if strong else title}{narrowed}"


def schedule_line(schedule: ReportSchedule, now: datetime) -> str:
    state = (
        f"_paused_ {when(schedule.paused_at)}: {schedule.pause_reason}"
        if schedule.paused_at
        else f"next {when(schedule.timing.following(now))}"
    )
    file = " · with the file" if schedule.with_file else ""
    quiet = "" if schedule.post_empty else " · skipped when there is nothing to report"
    return (
        f"*#{schedule.id}* {_what(schedule)} · "
        f"{schedule.timing.words()} · to {where(schedule.channel)}{file}{quiet} · {state}"
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
    blocks.append(context("`/group schedule edit|pause|resume|delete|run <number>`"))
    return fallback(title), blocks


def created(schedule: ReportSchedule, now: datetime) -> str:
    return (
        f"Scheduled report *#{schedule.id}*: {_what(schedule)}, {schedule.timing.words()}, to "
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


_STATE_WORDS = {DeliveryState.QUIET: "nothing to report, not posted"}


def _delivery_line(schedule: ReportSchedule, delivery: Delivery) -> str:
    detail = f" · `{escape(delivery.error)}`" if delivery.error else ""
    state = _STATE_WORDS.get(delivery.state, delivery.state.value)
    return (
        f"*#{schedule.id}* {_what(schedule, strong=False)} · {when(delivery.period)} · "
        f"_{state}_ · "
        f"to {where(schedule.channel)}{detail}"
    )


def report_log(log: ReportLog) -> tuple[str, list[Block]]:
    """In progress, Upcoming and past deliveries, each its own section."""
    chosen = filter_words(log.chosen, kind="type ")
    title = "Activity Log: scheduled reports" + (f" ({chosen})" if chosen else "")
    blocks: list[Block] = [header(title), *span_context(log.chosen.since)]
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
    what = _what(schedule, strong=False)
    return f"*#{schedule.id}* {what} · {when(at)} · to {where(schedule.channel)}"


KIND_LABELS = {
    ReportKind.PROGRESS: "Group progress, with its chart",
    ReportKind.COMPLETION: "Course completions in the period",
    ReportKind.ATTENTION: "People needing attention",
    ReportKind.BULK: "Bulk actions in the period",
    ReportKind.EMAILS: "Emails to the members in the period",
    ReportKind.EVENTS: "Events digest",
}
POST_EMPTY = "post"


def _option(value: str, label: str) -> dict[str, object]:
    return {"text": plain(label), "value": value}


def schedule_modal(here: str, editing: ReportSchedule | None = None) -> View:
    """*Manage scheduled reports*: the same as ``/group schedule add``, as a form; with
    ``editing``, filled in with that schedule, and saving changes it."""
    text = {"type": "plain_text_input"}
    kinds = [_option(k.value, label) for k, label in KIND_LABELS.items()]
    post_empty = _option(POST_EMPTY, "post it anyway, saying so")
    with_file = _option("file", "the XLSX and CSV of everyone")
    was = editing
    kind = next((o for o in kinds if was and o["value"] == was.kind.value), kinds[0])
    course = was.focus.course.title if was and was.focus.course else ""
    where: dict[str, object] = {"type": "conversations_select"}
    where |= {"initial_conversation": was.channel} if was else {}
    where |= {} if was else {"default_to_current_conversation": True}
    blocks = [
        section("A report on a group, posted on a timetable."),
        input_block(
            Field.SCHEDULE_KIND,
            "Report",
            {"type": "static_select", "options": kinds, "initial_option": kind},
        ),
        input_block(
            Field.SCHEDULE_GROUP,
            "Group",
            _filled(text, f"#{was.group_id}" if was else "", "Sales Team or #12"),
        ),
        input_block(
            Field.SCHEDULE_COURSE,
            "Only this course",
            _filled(text, course, "Python 101"),
            optional=True,
            hint="Progress, completion and attention reports only; empty for all the "
            "group's courses",
        ),
        input_block(
            Field.SCHEDULE_SEGMENT,
            "Only this segment",
            _filled(text, was.focus.segment if was else "", "Late starters"),
            optional=True,
            hint="A saved segment; progress, completion and attention reports only",
        ),
        input_block(
            Field.SCHEDULE_WHEN,
            "How often, at what time",
            {**text, "initial_value": was.timing.typed() if was else "weekly mon 09:00"},
            hint="daily 09:00 · weekdays 08:30 · weekly mon 09:00 · monthly 1 09:00; add a time "
            "zone (Europe/Madrid) or leave it to yours in Slack",
        ),
        input_block(
            Field.SCHEDULE_WHERE,
            "Post to",
            where,
            hint="A channel Roster is in (invite it with /invite @Roster), or a direct message",
        ),
        input_block(
            Field.SCHEDULE_FILE,
            "With",
            _ticked([with_file], was is not None and was.with_file),
            optional=True,
        ),
        input_block(
            Field.SCHEDULE_EMPTY,
            "When there is nothing to report",
            _ticked([post_empty], was is None or was.post_empty),
            optional=True,
            hint="Unticked, a quiet period is only recorded in /group log reports",
        ),
    ]
    if was:
        title, submit, metadata = f"Edit report #{was.id}", "Save", f"{here}|{was.id}"
    else:
        title, submit, metadata = "Schedule a report", "Schedule", here
    return modal(Modal.SCHEDULE, title, blocks, submit=submit, metadata=metadata)


def _filled(element: dict[str, str], value: str, placeholder: str) -> dict[str, object]:
    filled: dict[str, object] = {**element, "placeholder": plain(placeholder)}
    return filled | ({"initial_value": value} if value else {})


def _ticked(options: list[dict[str, object]], ticked: bool) -> dict[str, object]:
    box: dict[str, object] = {"type": "checkboxes", "options": options}
    return box | ({"initial_options": options} if ticked else {})


def edited(schedule: ReportSchedule, now: datetime) -> str:
    return (
        f"Scheduled report *#{schedule.id}* is saved: {_what(schedule)}, "
        f"{schedule.timing.words()}, to {where(schedule.channel)}. The next one comes "
        f"{when(schedule.timing.following(now))}."
    )
