"""The User action log: every bulk action, newest first, in the thread or App Home."""

from __future__ import annotations

from datetime import datetime

from bot.views.blocks import (
    Block,
    context,
    divider,
    escape,
    fallback,
    filter_words,
    header,
    packed,
    section,
    span_context,
    when,
)
from domain.bulk.model import FINISHED, BulkJob, JobKind, JobState
from domain.bulk.service import LOG_PAGE
from domain.entities import Group, User
from domain.log_filter import LogFilter


def _who(user: User | None) -> str:
    if user is None:
        return "—"
    return f"<@{user.slack_user_id}>" if user.slack_user_id else escape(user.email)


def outcome(job: BulkJob) -> str:
    """What applying the job did so far, in the words of its kind; the summary in the
    thread and the log line both say it this way."""
    run = job.run
    figures = {
        JobKind.ADD_MEMBERS: (
            f"*{run.created:,}* created, *{run.added:,}* added to the group, "
            f"*{run.already:,}* already members, *{run.enrolled:,}* course enrolments, "
            f"*{run.invited:,}* invited, *{run.skipped:,}* skipped, *{run.failed:,}* failed"
        ),
        JobKind.REMOVE_MEMBERS: (
            f"*{run.removed:,}* removed, *{run.not_members:,}* were not members, "
            f"*{run.skipped:,}* skipped"
        ),
        JobKind.DELETE_USERS: (
            f"*{run.removed:,}* deleted, *{run.not_members:,}* were not school users, "
            f"*{run.failed:,}* admins kept, *{run.outside:,}* outside the uploader's groups "
            f"kept, *{run.skipped:,}* skipped"
        ),
        JobKind.UPDATE_PROGRESS: (
            f"*{run.updated:,}* set, *{run.failed:,}* not changed, *{run.skipped:,}* skipped"
        ),
        JobKind.ENROL: (
            f"*{run.enrolled:,}* enrolled, *{run.already:,}* already enrolled, "
            f"*{run.failed:,}* no longer school users"
        ),
        JobKind.UNENROL: f"*{run.removed:,}* unenrolled, *{run.already:,}* were not enrolled",
    }
    return figures[job.kind]


def _counts(job: BulkJob) -> str:
    if job.state in (JobState.CHECKED, JobState.PENDING, JobState.REJECTED, JobState.CANCELLED):
        check = job.check
        return f"{check.ready:,} ready, {check.rejected:,} with problems"
    return f"{job.rows_done:,}/{job.rows_total:,} rows: {outcome(job)}"


def job_line(job: BulkJob) -> str:
    decided = ""
    if job.decided_by is not None:
        verb = "rejected" if job.state is JobState.REJECTED else "approved"
        decided = f" · {verb} by {_who(job.decided_by)}"
    times = f"uploaded {when(job.created_at)}"
    if job.started_at:
        times += f", started {when(job.started_at)}"
    if job.finished_at and job.state in FINISHED:
        times += f", finished {when(job.finished_at)}"
    return (
        f"*#{job.id}* {job.kind} · *{escape(job.group_title)}* · "
        f"{escape(job.filename or job.course_title)} · "
        f"by {_who(job.uploaded_by)}{decided} · *{job.state}*\n"
        f"      {_counts(job)} · {times}"
    )


def action_log(jobs: list[BulkJob], chosen: LogFilter[JobKind]) -> tuple[str, list[Block]]:
    filters = filter_words(chosen)
    title = "User action log" + (f" ({filters})" if filters else "")
    blocks: list[Block] = [header(title), *span_context(chosen.since)]
    if not jobs:
        blocks.append(section("No bulk actions match."))
    blocks += [section(text) for text in packed([job_line(j) for j in jobs])]
    blocks.append(
        context("Filter: `/group log actions [type] [since]`, e.g. `/group log actions add 7d`.")
    )
    return fallback(title), blocks


def bulk_report(
    group: Group, jobs: list[BulkJob], *, since: datetime, until: datetime
) -> tuple[str, list[Block]]:
    """A scheduled report of the bulk actions on one group over its period."""
    title = f"Bulk actions on {group.title}"
    blocks: list[Block] = [header(title), context(f"from {when(since)} to {when(until)}")]
    if not jobs:
        blocks.append(section("No bulk actions in this period."))
    blocks += [section(text) for text in packed([job_line(j) for j in jobs])]
    if len(jobs) >= LOG_PAGE:
        blocks.append(context(f"The latest {LOG_PAGE}; `/group log actions 7d` shows more."))
    return fallback(title), blocks


HOME_JOBS = 5


def recent_actions(jobs: list[BulkJob]) -> list[Block]:
    """The latest bulk actions, for App Home."""
    blocks: list[Block] = [divider(), header("User action log")]
    if not jobs:
        blocks.append(section("No bulk actions yet. `/group import <group>` starts one."))
    blocks += [section(text) for text in packed([job_line(j) for j in jobs[:HOME_JOBS]])]
    blocks.append(context("`/group log actions [type] [since]` shows more, e.g. `add 7d`."))
    return blocks
