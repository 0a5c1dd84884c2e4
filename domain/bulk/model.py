"""A bulk job as a record: its kind, state, options, counts and each row's outcome,
with the errors its steps raise and the pure rules read off it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from enum import StrEnum

from domain.bulk.sheet import RowProblem, StagedRow
from domain.entities import User
from domain.errors import DomainError, NotFound
from domain.log_filter import LogFilter, parse_log_filter


class JobKind(StrEnum):
    ADD_MEMBERS = "add members"
    REMOVE_MEMBERS = "remove members"
    ENROL = "enrol in course"
    UNENROL = "unenrol from course"
    DELETE_USERS = "delete users"
    UPDATE_PROGRESS = "update progress"


FOR_COURSE = frozenset({JobKind.ENROL, JobKind.UNENROL})
"""Kinds that act on a group's members and one course, with no file."""


class JobState(StrEnum):
    CHECKING = "checking"
    CHECKED = "checked"
    PENDING = "pending approval"
    APPROVED = "approved"
    RUNNING = "running"
    DONE = "done"
    DONE_WITH_ERRORS = "done with errors"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    FAILED = "failed"


FINISHED = frozenset(
    {JobState.DONE, JobState.DONE_WITH_ERRORS, JobState.REJECTED, JobState.CANCELLED}
    | {JobState.FAILED}
)


@dataclass(frozen=True, slots=True)
class JobOptions:
    invite: bool = True
    enrol: bool = False
    skip_bad: bool = True


@dataclass(frozen=True, slots=True)
class CheckCounts:
    """What the check found, and what the file would change, before approval."""

    ready: int = 0
    rejected: int = 0
    blank_rows: int = 0
    new_users: int = 0
    existing_users: int = 0
    already_members: int = 0
    first_problems: tuple[RowProblem, ...] = ()
    free_seats: int | None = None
    """Seats left in the group when the file was checked; None: no seat limit."""
    outside: int = 0
    """People a delete names who are not only in the uploader's groups: kept."""
    first_outside: tuple[str, ...] = ()

    @property
    def wont_fit(self) -> int:
        """Rows that would join the group but find no seat (at the time of the check)."""
        if self.free_seats is None:
            return 0
        return max(self.new_users + self.existing_users - self.free_seats, 0)


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What applying the rows did so far; the summary's figures."""

    created: int = 0
    added: int = 0
    already: int = 0
    enrolled: int = 0
    invited: int = 0
    skipped: int = 0
    failed: int = 0
    removed: int = 0
    not_members: int = 0
    updated: int = 0
    outside: int = 0

    def plus(self, other: RunCounts) -> RunCounts:
        return RunCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True, slots=True)
class BulkJob:
    id: int
    kind: JobKind
    group_id: int | None
    group_title: str
    course_id: int | None
    course_title: str
    filename: str
    columns: tuple[str, ...]
    state: JobState
    uploaded_by: User | None
    decided_by: User | None
    options: JobOptions
    check: CheckCounts
    run: RunCounts
    rows_total: int
    rows_done: int
    checkpoint: int
    reason: str
    channel: str
    thread_ts: str
    progress_ts: str
    created_at: datetime
    decided_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    reported_at: datetime | None = None
    notes: tuple[str, ...] = ()
    summary_ts: str = ""
    """The summary in the job's thread, once posted: a retried report never posts it again."""
    report_attempts: int = 0
    """Reports that failed so far (the summary, the results file or both)."""
    rows_pruned_at: datetime | None = None
    """When the staged rows were deleted; the counts and the log line stay."""


class RowOutcome(StrEnum):
    """What applying one row did. Stored per row as its value (with a detail after
    ``|`` where the outcome names one); the results file words it."""

    CREATED = "created"
    ADDED = "added"
    ALREADY_MEMBER = "already member"
    GROUP_FULL = "group full"
    REMOVED = "removed"
    NOT_A_MEMBER = "not a member"
    ENROLLED = "enrolled"
    ALREADY_ENROLLED = "already enrolled"
    GONE = "no longer a user"
    UNENROLLED = "unenrolled"
    WAS_NOT_ENROLLED = "was not enrolled"
    DELETED = "deleted"
    ADMIN_KEPT = "admin kept"
    OUTSIDE_KEPT = "outside kept"
    NOT_IN_SCHOOL = "not in the school"
    NOT_IN_GROUP = "progress: not in the group"
    NO_SUCH_COURSE = "no such course"
    NOT_ENROLLED = "not enrolled"
    PROGRESS_SET = "progress set"


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What applying one row did: its outcome and the detail it names (a seat limit,
    a course, a percentage); neither for a row skipped for its problem, nor for a
    row not applied yet."""

    row: StagedRow
    outcome: RowOutcome | None = None
    detail: str = ""


def kept_from_deletion(
    is_admin: bool, slack_user_id: str | None, env_admins: Collection[str]
) -> bool:
    """Admins are never deleted in bulk, whether the database or the settings say so."""
    return is_admin or slack_user_id in env_admins


class JobMoved(DomainError):
    """The job is no longer in a state that allows this; ``job`` says where it is."""

    def __init__(self, job: BulkJob, wanted: str) -> None:
        self.job = job
        self.wanted = wanted
        super().__init__(f"job {job.id} is {job.state}; can't {wanted}")


class NothingToImport(DomainError):
    """Every row of the file has a problem, so there is nothing to send for approval."""


class RowsPruned(DomainError):
    """The job's rows were deleted after the retention period; only its counts remain."""

    def __init__(self, job: BulkJob) -> None:
        self.job = job
        super().__init__(f"the rows of bulk action #{job.id} were deleted")


class JobNotFound(NotFound):
    """No bulk action has this id."""

    kind = "bulk action"

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        super().__init__(f"#{job_id}")


KIND_WORDS = {
    "add": JobKind.ADD_MEMBERS,
    "import": JobKind.ADD_MEMBERS,
    "remove": JobKind.REMOVE_MEMBERS,
    "enrol": JobKind.ENROL,
    "unenrol": JobKind.UNENROL,
    "delete": JobKind.DELETE_USERS,
    "progress": JobKind.UPDATE_PROGRESS,
}


def parse_job_filter(words: Sequence[str], *, now: datetime) -> LogFilter[JobKind]:
    """``[type] [since]`` in any order: ``add`` and ``7d``, ``24h`` or ``2026-11-01``."""
    return parse_log_filter(words, kinds=KIND_WORDS, what="a type", now=now, filler={"members"})


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """``▓▓▓▓░░░░ 40%``: text, so it reads the same on every Slack client."""
    share = 1.0 if total <= 0 else min(done / total, 1.0)
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled) + f" {share:.0%}"


def time_left(done: int, total: int, seconds: float) -> float | None:
    """Seconds to go at the pace so far, or None before there is a pace."""
    if done <= 0 or seconds <= 0:
        return None
    return max(total - done, 0) * seconds / done
