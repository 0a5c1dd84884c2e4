"""Bulk add: the upload modal, the preview with its buttons, the admin's review,
the progress message, the summary and what is said when it can't be sent."""

from __future__ import annotations

from typing import Any

from bot.ids import Action, Field, Modal
from bot.views.action_log import outcome
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    fallback,
    header,
    listing,
    option,
    packed,
    plain,
    section,
    when,
)
from bot.views.modals import View, input_block, modal
from bot.views.review import decision_blocks
from domain.bulk.model import (
    FOR_COURSE,
    BulkJob,
    ItemResult,
    JobKind,
    JobOptions,
    JobState,
    RowOutcome,
    progress_bar,
    time_left,
)
from domain.bulk.service import PREVIEW_OUTSIDE
from domain.bulk.sheet import RowProblem
from domain.entities import Group, User

KINDS = [
    option("Add them to the group (creating new school users)", JobKind.ADD_MEMBERS.value),
    option("Remove them from the group (they stay school users)", JobKind.REMOVE_MEMBERS.value),
    option(
        "Delete them from the school, with their enrolments and progress",
        JobKind.DELETE_USERS.value,
    ),
    option(
        "Update their progress (the progress template: email, course, progress)",
        JobKind.UPDATE_PROGRESS.value,
    ),
]


def _removing(job: BulkJob) -> bool:
    return job.kind is JobKind.REMOVE_MEMBERS


def import_modal(group: Group) -> View:
    blocks = [
        section(
            f"Add many people to *{escape(group.title)}* from the filled-in Excel template. "
            "Every row is checked first; nothing is added until you have seen the preview "
            "and an admin has approved it."
        ),
        input_block(
            Field.FILE,
            "Filled-in template (.xlsx)",
            {"type": "file_input", "filetypes": ["xlsx"], "max_files": 1},
        ),
        input_block(
            Field.IMPORT_KIND,
            "The people in the file",
            {"type": "radio_buttons", "options": KINDS, "initial_option": KINDS[0]},
        ),
        actions(button("Send me the template", Action.SEND_TEMPLATE)),
    ]
    return modal(Modal.IMPORT, "Bulk add members", blocks, submit="Check file", group=group)


def checking_text(group: Group, filename: str) -> str:
    return (
        f":hourglass_flowing_sand: Checking *{escape(filename)}* for *{escape(group.title)}*. "
        "The preview arrives in a direct message from Roster."
    )


def drop_usage() -> str:
    return (
        "To bulk-add people, drop the filled-in template here with the group's name as the "
        "message, e.g. `Sales Team`: one file at a time. `/group template` sends the template."
    )


def checking_modal(group: Group, filename: str) -> View:
    text = checking_text(group, filename) + " You can close this."
    return {
        "type": "modal",
        "title": plain("Bulk add members"),
        "close": plain("Close"),
        "blocks": [section(text)],
    }


def _problem(problem: RowProblem) -> str:
    return f"• Row {problem.row}, *{problem.column}*: {escape(problem.problem)}; {problem.fix}."


def _who(user: User | None) -> str:
    if user is None:
        return "someone no longer in the school"
    return f"<@{user.slack_user_id}>" if user.slack_user_id else escape(user.email)


def _title(job: BulkJob) -> str:
    if job.kind is JobKind.ENROL:
        return f"Enrol the members of {job.group_title} in {job.course_title}"
    if job.kind is JobKind.UNENROL:
        return f"Unenrol the members of {job.group_title} from {job.course_title}"
    if job.kind is JobKind.DELETE_USERS:
        return f"Bulk delete from the school (via {job.group_title}): {job.filename}"
    if job.kind is JobKind.UPDATE_PROGRESS:
        return f"Progress updates for {job.group_title}: {job.filename}"
    where = "remove from" if _removing(job) else "add to"
    return f"Bulk {where} {job.group_title}: {job.filename}"


def _deletions(job: BulkJob) -> str:
    check = job.check
    plan = (
        f"*{check.existing_users + check.already_members:,}* school user(s) to delete for good "
        f"(with their memberships, enrolments and progress), *{check.new_users:,}* not in the "
        "school."
    )
    return plan


def _outside(job: BulkJob) -> str:
    """The people a manager's delete names but may not delete, apart from the rest."""
    check = job.check
    named = listing([escape(e) for e in check.first_outside], most=PREVIEW_OUTSIDE)
    more = check.outside - len(check.first_outside)
    return (
        f"\n:warning: *{check.outside:,}* not in the uploader's groups only (in no group "
        "they manage, or also in another) will *not* be deleted; an admin must delete "
        f"them: {named}" + (f" and {more:,} more" if more > 0 else "") + "."
    )


def _course_counts(job: BulkJob) -> str:
    """What enrolling or unenrolling a group's members would change."""
    check = job.check
    if job.kind is JobKind.ENROL:
        return (
            f"*{check.ready:,}* member(s): *{check.existing_users:,}* to enrol, "
            f"*{check.already_members:,}* already enrolled."
        )
    return (
        f"*{check.ready:,}* member(s): *{check.existing_users:,}* to unenrol (their progress "
        f"in the course goes with it), *{check.already_members:,}* not enrolled."
    )


def _plan(job: BulkJob) -> str:
    """What the job would change: the preview, the admin's request and the review
    modal all say it in these words."""
    check = job.check
    if job.kind in FOR_COURSE:
        return _course_counts(job)
    if job.kind is JobKind.DELETE_USERS:
        plan = _deletions(job)
    elif job.kind is JobKind.UPDATE_PROGRESS:
        plan = f"*{check.ready:,}* progress update(s) ready."
    elif _removing(job):
        plan = (
            f"*{check.ready:,}* row(s) ready: *{check.already_members:,}* member(s) to remove, "
            f"*{check.new_users + check.existing_users:,}* not in the group (nothing to do)."
        )
    else:
        plan = (
            f"*{check.ready:,}* row(s) ready: *{check.new_users:,}* new to the school, "
            f"*{check.existing_users:,}* already in the school, *{check.already_members:,}* "
            "already members."
        )
    blank = f"; {check.blank_rows:,} blank row(s) skipped" if check.blank_rows else ""
    outside = _outside(job) if check.outside else ""
    return f"{plan} *{check.rejected:,}* row(s) with problems{blank}.{outside}"


def preview_message(job: BulkJob) -> tuple[str, list[Block]]:
    """The check of a file; its buttons are there only while the uploader decides."""
    check = job.check
    blocks: list[Block] = [header(_title(job)[:150]), section(_plan(job))]
    if check.wont_fit:
        blocks.append(section(_seats(job)))
    if check.first_problems:
        lines = [_problem(p) for p in check.first_problems]
        more = check.rejected - len({p.row for p in check.first_problems})
        if more > 0:
            lines.append(f"…and {more:,} more row(s), all in the file below.")
        blocks += [section(text) for text in packed(["*Rows to fix:*", *lines])]
    if job.notes:
        blocks.append(context(listing([escape(n) for n in job.notes], most=5)))
    blocks.append(_preview_footer(job))
    text = f"{_title(job)}: {check.ready:,} ready, {check.rejected:,} with problems"
    return fallback(text), blocks


def _seats(job: BulkJob) -> str:
    return (
        f":warning: *{escape(job.group_title)}* has {job.check.free_seats:,} free seat(s), so "
        f"{job.check.wont_fit:,} row(s) would not be added. Ask an admin to raise the seat "
        "limit first, or split the file."
    )


def _preview_footer(job: BulkJob) -> Block:
    if job.state is JobState.CHECKED and job.check.ready:
        value = str(job.id)
        return actions(
            button("Send for approval", Action.SEND_FOR_APPROVAL, value, style="primary"),
            button("Cancel", Action.CANCEL_IMPORT, value),
        )
    if job.state is JobState.CHECKED and job.check.outside:
        return context("Nobody in this file is yours to delete: ask an admin to delete them.")
    if job.state is JobState.CHECKED:
        return context("Nothing can be imported from this file: fix the rows and upload again.")
    return context(f"*{job.state.capitalize()}*. What happens next is in this thread.")


def sent_for_approval(job: BulkJob, admins: list[str]) -> str:
    who = listing([f"<@{a}>" for a in admins], empty="the school admins")
    return f":incoming_envelope: Sent to {who} for approval. You'll hear the decision here."


def cancelled(job: BulkJob) -> str:
    return f":wastebasket: Cancelled; nothing from *{escape(job.filename)}* was added."


def approval_request(job: BulkJob) -> tuple[str, list[Block]]:
    """What each admin gets: who asks, what the file would do, and one button."""
    check = job.check
    text = f"{_who(job.uploaded_by)} asks for *{escape(_title(job))}*: {_plan(job)}"
    blocks = [section(text)]
    if check.wont_fit:
        blocks.append(section(_seats(job)))
    blocks.append(actions(button("Review", Action.REVIEW_IMPORT, str(job.id), style="primary")))
    return fallback(f"{_title(job)} needs your approval"), blocks


def review_modal(job: BulkJob, enrol_allowed: bool) -> View:
    """Options first, then the decision; the reason is needed only to reject."""
    check = job.check
    summary = f"*{escape(_title(job))}*, asked by {_who(job.uploaded_by)}:\n{_plan(job)}"
    if check.wont_fit:
        summary += f"\n{_seats(job)}"
    choices = _choices(job, enrol_allowed)
    blocks: list[Block] = [section(summary)]
    if choices:
        element = {"type": "checkboxes", "options": choices, "initial_options": choices}
        blocks.append(input_block(Field.IMPORT_OPTIONS, "Options", element, optional=True))
    blocks += decision_blocks("uploader")
    if not enrol_allowed and job.kind is JobKind.ADD_MEMBERS:
        blocks.append(
            context("Enrolling is off for imports: `/group import-settings enrol on` allows it.")
        )
    return modal(
        Modal.REVIEW_IMPORT, "Review bulk add", blocks, submit="Done", metadata=str(job.id)
    )


def _choices(job: BulkJob, enrol_allowed: bool) -> list[dict[str, Any]]:
    choices = []
    if job.kind is JobKind.ADD_MEMBERS:
        choices.append(option("Send invitations to people new to the school", "invite"))
        if enrol_allowed:
            choices.append(option("Enrol them in the group's courses", "enrol"))
    if job.check.rejected:
        skip = f"Apply the valid rows and skip the {job.check.rejected:,} bad one(s)"
        choices.append(option(skip, "skip_bad"))
    return choices


def chosen_options(ticked: list[str]) -> JobOptions:
    return JobOptions(
        invite="invite" in ticked, enrol="enrol" in ticked, skip_bad="skip_bad" in ticked
    )


def decided(job: BulkJob) -> str:
    """The uploader's line in the thread when an admin decides."""
    who = _who(job.decided_by)
    if job.state is JobState.REJECTED:
        return f":no_entry: Rejected by {who}: {escape(job.reason)}\nNothing was added."
    if job.kind is not JobKind.ADD_MEMBERS:
        return f":white_check_mark: Approved by {who}. Starting."
    extras = [
        "invitations" if job.options.invite else "no invitations",
        "enrolling in the group's courses" if job.options.enrol else "no course enrolment",
    ]
    return f":white_check_mark: Approved by {who} ({', '.join(extras)}). Starting the import."


def decision_recorded(job: BulkJob, *, now_decided: bool) -> str:
    """What the deciding admin sees; a second click is told it changed nothing."""
    if now_decided:
        return f"{job.state.capitalize()}; {_who(job.uploaded_by)} has been told in their thread."
    if job.decided_by is None:
        return f"This import is *{job.state}*; nothing more was done."
    verb = "rejected" if job.state is JobState.REJECTED else "approved"
    return (
        f"This import was already {verb} by {_who(job.decided_by)} {when(job.decided_at)} "
        f"and is now *{job.state}*; nothing more was done."
    )


def progress_message(job: BulkJob, rate: float | None) -> tuple[str, list[Block]]:
    """The one message that moves: bar, percent, rows per second, time left."""
    done, total = job.rows_done, max(job.rows_total, 1)
    line = f"`{progress_bar(done, total)}`  {done:,} of {job.rows_total:,} rows"
    if job.state is JobState.RUNNING:
        left = time_left(done, total, done / rate) if rate else None
        pace = f"{rate:,.0f} rows/s" if rate else "starting"
        line += f" · {pace}" + (f" · about {_duration(left)} left" if left is not None else "")
    else:
        line += f" · {job.state}"
    verb = {
        JobKind.ADD_MEMBERS: "Importing",
        JobKind.REMOVE_MEMBERS: "Removing",
        JobKind.ENROL: "Enrolling",
        JobKind.UNENROL: "Unenrolling",
        JobKind.DELETE_USERS: "Deleting",
        JobKind.UPDATE_PROGRESS: "Updating progress from",
    }[job.kind]
    what = job.filename or job.course_title
    return fallback(f"{verb} {what}: {done:,}/{job.rows_total:,}"), [section(line)]


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(round(seconds), 1)} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def summary_message(job: BulkJob) -> tuple[str, list[Block]]:
    if job.state is JobState.FAILED:
        text = f":x: *{escape(_title(job))}* stopped: {escape(job.reason)}"
        return text, [section(text)]
    icon = ":white_check_mark:" if job.state is JobState.DONE else ":warning:"
    text = f"{icon} *{escape(_title(job))}* {job.state}: {outcome(job)}."
    return text, [section(text), context("Every row's result is in the file below.")]


def report_not_sent(job: BulkJob, reason: str, *, tries: int) -> str:
    """After the last try at reporting a finished job: what is missing, why, and what
    to do; the job itself is finished either way."""
    if job.summary_ts:
        lost, figures = "the results file", ""
    else:
        lost = "the summary" if job.state is JobState.FAILED else "the summary and results file"
        figures = f" It is *{job.state}*: " + (
            f"{escape(job.reason)}." if job.state is JobState.FAILED else f"{outcome(job)}."
        )
    return (
        f":warning: Roster could not post {lost} of *{escape(_title(job))}* after {tries} "
        f"tries (`{escape(reason)}`) and has stopped trying.{figures} Nothing else is "
        "affected, and `/group log actions` keeps the counts. If this happens again, ask a "
        "school admin to check that Roster's Slack app may post and upload files here (the "
        "`chat:write` and `files:write` scopes)."
    )


def queued_text(filename: str, running: int, ahead: int) -> str:
    """Said once to someone whose file waits for others to be checked first."""
    files = "1 file is" if running == 1 else f"{running} files are"
    if not ahead:
        return f":hourglass: {files} being checked before *{escape(filename)}*; yours starts next."
    more = "1 more waits" if ahead == 1 else f"{ahead} more wait"
    return (
        f":hourglass: {files} being checked and {more} before *{escape(filename)}*; yours "
        "starts after them."
    )


def not_theirs_message(filename: str, owner: str) -> str:
    who = f"<@{owner}>" if owner else "Someone else"
    return (
        f":warning: *{escape(filename)}* can't be used: {who} uploaded it, not you. Roster "
        "imports only files you uploaded yourself: upload your own copy."
    )


_OUTCOMES = {
    RowOutcome.CREATED: "created and added",
    RowOutcome.ADDED: "added (already in the school)",
    RowOutcome.ALREADY_MEMBER: "already a member",
    RowOutcome.GROUP_FULL: "not added: the group is full ({detail} seats)",
    RowOutcome.REMOVED: "removed from the group",
    RowOutcome.NOT_A_MEMBER: "not a member; nothing to do",
    RowOutcome.ENROLLED: "enrolled",
    RowOutcome.ALREADY_ENROLLED: "already enrolled",
    RowOutcome.GONE: "no longer a school user",
    RowOutcome.UNENROLLED: "unenrolled",
    RowOutcome.WAS_NOT_ENROLLED: "was not enrolled",
    RowOutcome.DELETED: "deleted from the school",
    RowOutcome.ADMIN_KEPT: "not deleted: a school admin",
    RowOutcome.OUTSIDE_KEPT: "not deleted: no longer only in the uploader's groups",
    RowOutcome.NOT_IN_SCHOOL: "not a school user; nothing to do",
    RowOutcome.NOT_IN_GROUP: "not changed: not a member of the group",
    RowOutcome.NO_SUCH_COURSE: "not changed: no course called {detail}",
    RowOutcome.NOT_ENROLLED: "not changed: not enrolled in {detail}",
    RowOutcome.PROGRESS_SET: "progress set to {detail}%",
}


def row_result(item: ItemResult) -> str:
    """A row's line in the results file: what applying it did, or why it was skipped."""
    if item.row.problem:
        return f"skipped: {item.row.problem}"
    if item.outcome is None:
        return item.detail
    return _OUTCOMES[item.outcome].format(detail=item.detail)


def refused_message(filename: str, said: str) -> str:
    """``said`` is the refusal as ``describe`` words it (escaped already)."""
    return f":warning: *{escape(filename)}* can't be used: {said}"


def preview_sent() -> str:
    return (
        ":mailbox_with_mail: The preview is in our direct message; send it for approval "
        "from there. Nothing changes before an admin approves."
    )
