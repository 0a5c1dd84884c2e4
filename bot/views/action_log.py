"""The User action log: every bulk action, newest first, in the thread or App Home."""

from __future__ import annotations

from bot.views.blocks import Block, context, divider, escape, header, packed, section, when
from domain.bulk_jobs import FINISHED, BulkJob, JobKind, JobState
from domain.entities import User


def _who(user: User | None) -> str:
    if user is None:
        return "—"
    return f"<@{user.slack_user_id}>" if user.slack_user_id else escape(user.email)


def _counts(job: BulkJob) -> str:
    if job.state in (JobState.CHECKED, JobState.PENDING, JobState.REJECTED, JobState.CANCELLED):
        check = job.check
        return f"{check.ready:,} ready, {check.rejected:,} with problems"
    run = job.run
    if job.kind is JobKind.ENROL:
        return f"{job.rows_done:,}/{job.rows_total:,} members: {run.enrolled:,} enrolled"
    if job.kind is JobKind.UNENROL:
        return f"{job.rows_done:,}/{job.rows_total:,} members: {run.removed:,} unenrolled"
    if job.kind is JobKind.UPDATE_PROGRESS:
        return (
            f"{job.rows_done:,}/{job.rows_total:,} rows: {run.updated:,} set, "
            f"{run.failed:,} not changed, {run.skipped:,} skipped"
        )
    if job.kind is JobKind.DELETE_USERS:
        return (
            f"{job.rows_done:,}/{job.rows_total:,} rows: {run.removed:,} deleted, "
            f"{run.not_members:,} not school users, {run.skipped:,} skipped"
        )
    if job.kind is JobKind.REMOVE_MEMBERS:
        return (
            f"{job.rows_done:,}/{job.rows_total:,} rows: {run.removed:,} removed, "
            f"{run.not_members:,} were not members, {run.skipped:,} skipped"
        )
    return (
        f"{job.rows_done:,}/{job.rows_total:,} rows: {run.created:,} created, "
        f"{run.added:,} added, {run.already:,} already members, {run.skipped:,} skipped, "
        f"{run.failed:,} failed"
    )


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


def action_log(jobs: list[BulkJob], filters: str) -> tuple[str, list[Block]]:
    title = "User action log" + (f" ({filters})" if filters else "")
    blocks: list[Block] = [header(title)]
    if not jobs:
        blocks.append(section("No bulk actions match."))
    blocks += [section(text) for text in packed([job_line(j) for j in jobs])]
    blocks.append(
        context("Filter: `/group log actions [type] [since]`, e.g. `/group log actions add 7d`.")
    )
    return title, blocks


HOME_JOBS = 5


def recent_actions(jobs: list[BulkJob]) -> list[Block]:
    """The latest bulk actions, for App Home."""
    blocks: list[Block] = [divider(), header("User action log")]
    if not jobs:
        blocks.append(section("No bulk actions yet. `/group import <group>` starts one."))
    blocks += [section(text) for text in packed([job_line(j) for j in jobs[:HOME_JOBS]])]
    blocks.append(context("`/group log actions [type] [since]` shows more, e.g. `add 7d`."))
    return blocks
