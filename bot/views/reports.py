"""The Reports Center's messages: a group's progress, course by course."""

from __future__ import annotations

from bot.views.blocks import Block, context, escape, fallback, header, packed, section, when
from domain.reports import (
    IDLE_AFTER,
    CompletionReport,
    CourseStats,
    GroupLine,
    GroupReport,
    LearnerReport,
    LearnerRow,
    SchoolReport,
)

NO_FILE = "The file of everyone behind this report needs *Export user analytics*."


def report_title(report: GroupReport, what: str = "Progress of") -> str:
    parts = [f"{what} {report.group.title}"]
    if report.course is not None:
        parts.append(f"in {report.course.title}")
    if report.segment:
        parts.append(f"(segment {report.segment})")
    return " ".join(parts)


def _days(value: float | None) -> str:
    return "nobody completed yet" if value is None else f"median {value:g} days to complete"


def course_lines(stats: CourseStats) -> str:
    """Two lines: where people stand, then how fast and who is slipping."""
    rate = round(100 * stats.completion_rate)
    pace = _days(stats.median_days_to_complete)
    return (
        f"*{escape(stats.course.title)}* · {stats.enrolled} enrolled · "
        f"{stats.not_started} not started · {stats.in_progress} in progress · "
        f"{stats.completed} completed ({rate}%)\n"
        f"      average progress {stats.average_progress:.0f}% · {pace}"
        f" · {stats.never_signed_in} never signed in · {stats.stalled} stalled"
    )


def attention_line(row: LearnerRow, report: GroupReport) -> str:
    why = row.concern(report.idle_since)
    seen = "" if row.last_activity is None else f", last active {when(row.last_activity)}"
    return (
        f"• {escape(row.username)} · {escape(row.email)} · {escape(row.course)} · "
        f"{row.progress}% · _{why.value if why else ''}_{seen}"
    )


def report_message(report: GroupReport, *, exporting: bool) -> tuple[str, list[Block]]:
    """The report's figures; the chart (and, with ``exporting``, the file of
    everyone) follow in its thread."""
    title = report_title(report)
    days = IDLE_AFTER.days
    blocks: list[Block] = [
        header(title),
        context(
            f"{report.members} members · as of {when(report.at)} · "
            f"stalled: enrolled, not completed, no activity for {days} days"
        ),
    ]
    if not exporting:
        blocks.append(context(NO_FILE))
    if not report.courses:
        blocks.append(
            section(
                f"{escape(report.group.title)} has no courses to report on. Include one with "
                f'`/group courses #{report.group.id} add "Python 101"`.'
            )
        )
        return fallback(title), blocks
    blocks.extend(section(text) for text in packed([course_lines(s) for s in report.courses]))
    blocks.extend(_attention(report, exporting))
    return fallback(title), blocks


def _attention(report: GroupReport, exporting: bool) -> list[Block]:
    if not report.attention_total:
        return [section("*Needs attention:* nobody. Everyone has signed in and is moving.")]
    lines = [f"*Needs attention ({report.attention_total})*"]
    lines += [attention_line(row, report) for row in report.attention]
    more = report.attention_total - len(report.attention)
    blocks = [section(text) for text in packed(lines)]
    if more > 0 and exporting:
        blocks.append(context(f"…and {more} more: everyone is in the file in this thread."))
    elif more > 0:
        blocks.append(context(f"…and {more} more."))
    return blocks


def attention_message(report: GroupReport, *, exporting: bool) -> tuple[str, list[Block]]:
    """A scheduled list of the people needing attention, and nothing else."""
    title = report_title(report, "Needs attention in")
    blocks: list[Block] = [
        header(title),
        context(
            f"as of {when(report.at)} · never signed in, or enrolled, not completed and "
            f"no activity for {IDLE_AFTER.days} days"
        ),
        *_attention(report, exporting),
    ]
    return fallback(title), blocks


def _completed_line(row: LearnerRow) -> str:
    return (
        f"• {escape(row.username)} · {escape(row.email)} · *{escape(row.course)}* · "
        f"{when(row.completed_at)}"
    )


def completion_message(done: CompletionReport, *, exporting: bool) -> tuple[str, list[Block]]:
    """Who completed which course in the period, then every course's rate so far."""
    report = done.report
    title = report_title(report, "Completions in")
    blocks: list[Block] = [
        header(title),
        context(f"from {when(done.since)} to {when(report.at)} · {report.members} members"),
    ]
    if not done.total:
        blocks.append(section("Nobody completed a course in this period."))
    else:
        counts = [f"*{escape(c.title)}*: {n} completed" for c, n in done.per_course]
        lines = [f"*Completed in this period ({done.total})*", *counts]
        lines += [_completed_line(row) for row in done.people]
        blocks.extend(section(text) for text in packed(lines))
        more = done.total - len(done.people)
        if more > 0:
            where = " (the file in this thread has everyone)" if exporting else ""
            blocks.append(context(f"…and {more} more{where}."))
    rates = [
        f"{escape(s.course.title)}: {round(100 * s.completion_rate)}% "
        f"({s.completed} of {s.enrolled})"
        for s in report.courses
    ]
    if rates:
        blocks.extend(section(text) for text in packed(["*Completed so far*", *rates]))
    return fallback(title), blocks


def export_comment(rows: int) -> str:
    return f"Everyone behind this report, one row per person and course ({rows:,} rows)."


def report_sent(title: str) -> str:
    return f"*{escape(title)}* is in our direct message; its chart and files are in the thread."


def chart_comment(report: GroupReport) -> str:
    return f"Completion per course, {report.group.title}."


def _learner_course(row: LearnerRow, report: LearnerReport) -> str:
    why = row.concern(report.idle_since)
    done = f"completed {when(row.completed_at)}" if row.completed_at else f"{row.progress}%"
    flag = f" · _{why.value}_" if why else ""
    return (
        f"*{escape(row.course)}* · {done} · enrolled {when(row.enrolled_at)} · "
        f"last activity {when(row.last_activity)}{flag}"
    )


def learner_message(report: LearnerReport) -> tuple[str, list[Block]]:
    """One member's courses, as their group's manager sees them."""
    title = f"{report.username} ({report.email}) in {report.group.title}"
    signed_in = report.rows[0].last_sign_in if report.rows else None
    blocks: list[Block] = [
        header(title),
        context(f"last sign-in {when(signed_in)} · as of {when(report.at)}"),
    ]
    if not report.rows:
        blocks.append(section("Not enrolled in any course."))
    lines = [_learner_course(row, report) for row in report.rows]
    blocks.extend(section(text) for text in packed(lines))
    return fallback(title), blocks


def _group_line(line: GroupLine) -> str:
    rate = round(100 * line.completion_rate)
    return (
        f"*{escape(line.title)}* (#{line.group_id}) · {line.members} members · "
        f"{line.enrolments} enrolments · {line.completed} completed ({rate}%) · "
        f"{line.never_signed_in} never signed in · {line.stalled} stalled"
    )


def school_message(report: SchoolReport) -> tuple[str, list[Block]]:
    """One line per group: the whole school for an admin, a manager's own groups."""
    title = "Progress of every group" if report.whole_school else "Progress of your groups"
    blocks: list[Block] = [header(title), context(f"as of {when(report.at)}")]
    if not report.lines:
        blocks.append(section("No groups yet."))
    lines = [_group_line(line) for line in report.lines]
    texts = packed(lines)
    blocks.extend(section(text) for text in texts[:45])
    if len(texts) > 45:
        blocks.append(context("More groups than one message holds: name one to see it."))
    return fallback(title), blocks
