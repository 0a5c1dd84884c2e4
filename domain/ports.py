"""What the domain needs from storage, as protocols storage implements.

Methods that write are single transactions in storage; the domain decides
what is allowed and what it means, storage makes it so atomically.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from domain.entities import (
    Course,
    Enrollment,
    Group,
    Invitation,
    Joined,
    Leaving,
    LinkPurpose,
    LoggedEmail,
    MemberRow,
    Page,
    PermissionChange,
    SlackProfile,
    User,
    UserStatus,
)
from domain.letters import MailState, OutgoingEmail
from domain.rules.model import RuleEvent, RulePreview, RuleRun, SavedRule

if TYPE_CHECKING:
    from domain.activity import Resolved
    from domain.bulk import BulkJob, CheckCounts, ItemResult, JobKind, JobState
    from domain.bulk_sheet import StagedRow
    from domain.rules.model import Rule
    from domain.throttle import Tally, Verdict
    from domain.user_card import (
        Activity,
        CardAction,
        Change,
        Edit,
        Membership,
        Profile,
        ProgressChange,
    )
    from domain.workspace import Departure


class GroupStore(Protocol):
    async def get(self, group_id: int) -> Group | None: ...
    async def find_by_key(self, key: str) -> Group | None: ...
    async def titles(self, group_ids: Collection[int] | None) -> list[str]: ...
    async def create(
        self,
        *,
        title: str,
        key: str,
        description: str,
        seat_limit: int | None,
        course_ids: Collection[int],
        manager_ids: Collection[int],
        changed_by: int | None,
    ) -> Group:
        """Managers here whose permissions were never set get the school default."""
        ...

    async def update(
        self,
        group_id: int,
        *,
        title: str,
        key: str,
        description: str,
        seat_limit: int | None,
    ) -> Group: ...
    async def delete(self, group_id: int) -> None: ...
    async def page(
        self, *, group_ids: Collection[int] | None, offset: int, limit: int
    ) -> Page[Group]: ...
    async def set_courses(self, group_id: int, course_ids: Collection[int]) -> Group: ...
    async def set_managers(
        self, group_id: int, user_ids: Collection[int], *, changed_by: int | None
    ) -> Group:
        """Managers here whose permissions were never set get the school default,
        in the same transaction, recorded as a change by ``changed_by``."""
        ...


Changed = Callable[[Iterable[int], str], None]
"""Tells the membership rules whose data just changed (user ids), and why."""

Renamed = Callable[[str, Group], Awaitable[None]]
"""Tells the membership rules a group's old title and the group as it is now called."""

Compose = Callable[[User, bool, list[Course]], list[OutgoingEmail]]
"""(user, created_user, newly enrolled courses) -> the emails that change causes."""


class MemberStore(Protocol):
    async def add(self, *, group_id: int, email: str, username: str, compose: Compose) -> Joined:
        """Adds them unless the group is full, as ``seats_left`` (domain/groups.py)
        says under the lock that inserts. The emails ``compose`` returns are queued
        in the same transaction."""
        ...

    async def remove(self, *, group_id: int, email: str) -> tuple[Leaving, User | None]:
        """Ends a membership added by hand; one the group's rule added stays."""
        ...

    async def member_emails(self, group_id: int, emails: Sequence[str]) -> set[str]:
        """Which of these emails belong to members of the group."""
        ...

    async def never_signed_in(self, group_id: int) -> list[User]:
        """Members who have neither set a password nor signed in through the player."""
        ...

    async def page(
        self, *, group_id: int, offset: int, limit: int, only: Rule | None = None, now: datetime
    ) -> Page[MemberRow]:
        """A page of members, or of those who meet ``only`` (a segment's rule) at ``now``."""
        ...


class UserStore(Protocol):
    async def by_slack_id(self, slack_user_id: str) -> User | None: ...
    async def get(self, user_id: int) -> User | None: ...
    async def by_emails(self, emails: Collection[str]) -> dict[str, User]: ...
    async def by_email(self, email: str) -> User | None: ...
    async def link_slack(self, profile: SlackProfile, *, email: str, admin: bool) -> User: ...
    async def link_existing(self, slack_user_id: str, email: str) -> User | None:
        """Links the user with this email if they have no Slack account; never creates."""
        ...

    async def managed_group_ids(self, user_id: int) -> frozenset[int]: ...
    async def admins(self) -> list[User]: ...
    async def deactivated_among(self, slack_user_ids: Collection[str]) -> frozenset[str]:
        """Which of these Slack accounts Roster knows as deactivated."""
        ...

    async def enrollments(self, user_id: int) -> list[Enrollment]: ...
    async def create(self, *, email: str, username: str, status: UserStatus) -> User: ...


class CourseStore(Protocol):
    async def create(self, *, title: str, key: str) -> Course: ...
    async def find_by_key(self, key: str) -> Course | None: ...
    async def get(self, course_id: int) -> Course | None: ...
    async def many(self, course_ids: Collection[int]) -> list[Course]: ...
    async def all(self) -> list[Course]: ...


class PermissionStore(Protocol):
    async def grants(self, user_id: int) -> frozenset[str]: ...
    async def defaults(self) -> frozenset[str]: ...
    async def replace(
        self,
        subject_id: int | None,
        capabilities: Collection[str],
        *,
        changed_by: int | None,
        note: str,
    ) -> PermissionChange | None:
        """Sets a manager's capabilities (``subject_id`` None: the school default)
        and logs the difference; None when nothing changed."""
        ...

    async def history(self, subject_id: int | None, *, limit: int) -> list[PermissionChange]:
        """Newest first."""
        ...


class OutboxStore(Protocol):
    async def queue(self, emails: Sequence[OutgoingEmail], now: datetime) -> None: ...
    async def due(self, now: datetime, limit: int) -> list[LoggedEmail]: ...
    async def waiting(self) -> int: ...
    async def mark(
        self,
        email_id: int,
        state: MailState,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
        sent_at: datetime | None = None,
    ) -> None: ...
    async def log(
        self, *, trigger: str | None, since: datetime | None, offset: int, limit: int
    ) -> Page[LoggedEmail]: ...


class AccountStore(Protocol):
    async def create(
        self, user_id: int, token_hash: str, expires_at: datetime, purpose: LinkPurpose
    ) -> None: ...
    async def find(self, token_hash: str) -> Invitation | None: ...
    async def redeem(
        self, token_hash: str, purpose: LinkPurpose, password_hash: str, now: datetime
    ) -> User | None:
        """Uses the link once and sets the password, in one transaction that also
        revokes the user's other links, ends their sessions and forgets their
        browsers. None when the link was used, expired, is for another purpose, or
        its user is suspended."""
        ...

    async def password_hash(self, email: str) -> tuple[User, str] | None: ...
    async def signed_in(self, user_id: int, now: datetime, new_hash: str | None) -> None: ...
    async def open_session(self, user_id: int, token_hash: str, expires_at: datetime) -> None: ...
    async def session_user(self, token_hash: str, now: datetime) -> User | None: ...
    async def end_session(self, token_hash: str) -> None: ...
    async def remember_browser(self, user_id: int, token_hash: str, now: datetime) -> None:
        """Marks a browser that signed in to this account; only the newest few are kept."""
        ...

    async def knows_browser(self, token_hash: str, email: str, since: datetime) -> bool:
        """Whether this browser signed in to the account with this email after ``since``."""
        ...


class AttemptStore(Protocol):
    async def take(
        self, keys: Sequence[str], now: datetime, judge: Callable[[list[Tally]], Verdict]
    ) -> Verdict:
        """Locks the keys' tallies (a missing one reads as empty) in one transaction,
        asks ``judge``, and stores the tallies of the verdict when it allows."""
        ...

    async def settle(self, *, clear: Sequence[str], lower: Sequence[str]) -> None:
        """Deletes the ``clear`` tallies; takes one attempt off each ``lower`` tally."""
        ...

    async def forget_before(self, moment: datetime) -> int:
        """Deletes tallies last touched before ``moment``; how many."""
        ...


class ActivityStore(Protocol):
    async def record(
        self,
        batch: Sequence[Resolved],
        emails: Callable[[User, Course], list[OutgoingEmail]],
        now: datetime,
    ) -> set[str]:
        """Stores and applies the events not seen before, in one transaction, with the
        emails of new completions; returns the ids that were new."""
        ...


class SettingsStore(Protocol):
    async def get(self, key: str, default: Any) -> Any: ...
    async def put(self, key: str, value: Any) -> None: ...


class BulkStore(Protocol):
    async def create(
        self,
        *,
        kind: JobKind,
        group: Group,
        filename: str,
        columns: Sequence[str],
        uploaded_by: int | None,
        notes: Sequence[str],
        course: Course | None = None,
    ) -> BulkJob:
        """A job in state "checking", before its rows are staged."""
        ...

    async def stage_members(self, job_id: int, group_id: int) -> int:
        """The group's members as the job's rows, in one statement; how many."""
        ...

    async def enrolled_count(self, job_id: int, course_id: int) -> int:
        """How many of the job's people are enrolled in the course."""
        ...

    async def stage(self, job_id: int, rows: Sequence[StagedRow]) -> None: ...
    async def preview_counts(self, job_id: int, group_id: int) -> tuple[int, int, int]:
        """(new to the school, in the school but not the group, already members)."""
        ...

    async def checked(self, job_id: int, counts: CheckCounts, *, rows_total: int) -> BulkJob: ...
    async def get(self, job_id: int) -> BulkJob | None: ...
    async def set_fields(self, job_id: int, **values: Any) -> None: ...
    async def move(
        self, job_id: int, allowed: Collection[JobState], target: JobState, **values: Any
    ) -> BulkJob | None:
        """Compare-and-set: moves the job only from an allowed state; None otherwise."""
        ...

    async def log(
        self,
        *,
        group_ids: Collection[int] | None,
        kind: JobKind | None,
        since: datetime | None,
        limit: int,
    ) -> list[BulkJob]: ...
    async def fail_state(self, state: JobState, reason: str) -> int: ...
    async def next_runnable(self, *, now: datetime) -> BulkJob | None:
        """The oldest approved or running job, or a finished one not yet reported
        whose next try at reporting is due by ``now``."""
        ...

    async def report_failed(self, job_id: int, *, retry_at: datetime) -> BulkJob:
        """Counts a failed try at reporting the job; the next is not before ``retry_at``."""
        ...

    async def prune_rows(self, *, finished_before: datetime, limit: int, now: datetime) -> bool:
        """Deletes at most ``limit`` staged rows of one job that finished before
        ``finished_before`` and is not waiting to be reported, marking it pruned once
        none are left; False when no job needs it."""
        ...

    async def finish_failed(self, job_id: int, reason: str, now: datetime) -> BulkJob: ...
    async def apply_add_chunk(
        self, job: BulkJob, *, limit: int, enrol: bool, compose: Compose, now: datetime
    ) -> BulkJob:
        """The next rows after the checkpoint, applied with the new checkpoint and
        their emails in one transaction; the last chunk also finishes the job."""
        ...

    async def apply_course_chunk(
        self, job: BulkJob, *, limit: int, enrol: bool, compose: Compose, now: datetime
    ) -> BulkJob:
        """Enrols the rows' people in the job's course (with the emails ``compose``
        gives for the newly enrolled), or ends their enrolments."""
        ...

    async def apply_progress_chunk(self, job: BulkJob, *, limit: int, now: datetime) -> BulkJob:
        """Sets each row's progress on the member's enrolment in the named course."""
        ...

    async def apply_delete_chunk(
        self,
        job: BulkJob,
        *,
        limit: int,
        keep: Collection[str],
        scope: Collection[int] | None,
        now: datetime,
    ) -> BulkJob:
        """Deletes the school users the rows name, with everything theirs; never an
        admin, nor the users linked to the Slack ids in ``keep``; with ``scope``, only
        people in at least one of those groups and in no other."""
        ...

    async def mark_outside(
        self, job_id: int, scope: Collection[int], problem: str, *, first: int
    ) -> tuple[int, tuple[str, ...]]:
        """Sets ``problem`` on the ready rows naming school users who are not only in
        the ``scope`` groups; (how many, the first ``first`` emails)."""
        ...

    async def apply_remove_chunk(self, job: BulkJob, *, limit: int, now: datetime) -> BulkJob:
        """Like :meth:`apply_add_chunk`, ending the memberships of the rows' emails."""
        ...

    async def results(
        self, job_id: int, *, after: int, limit: int, problems_only: bool
    ) -> list[ItemResult]: ...
    async def user_ids(self, job_id: int, *, after: int, upto: int) -> list[int]:
        """The school users named by the job's rows in (after, upto]."""
        ...


class RuleStore(Protocol):
    async def catalogue(self) -> tuple[dict[str, str], dict[str, str]]:
        """Course titles and group titles, each by title key."""
        ...

    async def draft(
        self, *, group_id: int | None, name: str, text: str, created_by: int | None
    ) -> SavedRule: ...
    async def get(self, rule_id: int) -> SavedRule | None: ...
    async def activate(
        self, rule_id: int, now: datetime, *, approved_by: int | None = None
    ) -> SavedRule | None:
        """Compare-and-set draft -> active, or with ``approved_by`` pending -> active (the
        rule it replaces: replaced); None otherwise."""
        ...

    async def request_approval(
        self, rule_id: int, *, channel: str, thread_ts: str
    ) -> SavedRule | None:
        """Compare-and-set draft -> pending, remembering where its preview is."""
        ...

    async def reject(
        self, rule_id: int, *, by: int | None, reason: str, now: datetime
    ) -> SavedRule | None:
        """Compare-and-set pending -> rejected, with who and why."""
        ...

    async def cancel(self, rule_id: int) -> SavedRule | None: ...
    async def end(self, group_id: int) -> SavedRule | None: ...
    async def active_for_group(self, group_id: int) -> SavedRule | None: ...
    async def active_group_rules(self) -> list[SavedRule]: ...
    async def segments(self) -> list[SavedRule]: ...
    async def segment(self, name: str) -> SavedRule | None: ...
    async def preview(
        self, group_id: int | None, rule: Rule, now: datetime, *, limit: int
    ) -> RulePreview: ...
    async def changes(self, group_id: int | None, rule: Rule, now: datetime) -> RuleRun: ...
    async def apply(
        self,
        rule_id: int,
        group_id: int,
        rule: Rule,
        now: datetime,
        *,
        user_ids: Collection[int] | None,
        cause: str,
        compose: Compose,
    ) -> RuleRun:
        """One transaction: memberships added and ended, enrolments, emails, events."""
        ...

    async def events(self, group_id: int, *, limit: int) -> list[RuleEvent]: ...
    async def set_text(self, rule_id: int, text: str) -> None: ...


class WorkspaceStore(Protocol):
    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """True when this event id was not claimed before (by any process)."""
        ...

    async def forget_events(self, *, before: datetime) -> int: ...
    async def departure(self) -> Departure | None: ...
    async def depart(self, departure: Departure, emails: Sequence[OutgoingEmail]) -> bool:
        """Records the departure and queues ``emails`` with it, unless one is already
        recorded (then False, and nothing is queued)."""
        ...

    async def clear_departure(self) -> Departure | None: ...
    async def set_deactivated(
        self,
        user_id: int,
        at: datetime | None,
        emails: Sequence[OutgoingEmail],
        now: datetime,
    ) -> bool:
        """Marks the user's Slack account deactivated since ``at`` (None: active), with
        the ``emails`` in the same transaction; False, changing nothing, when it
        already was in that state."""
        ...


class UserCardStore(Protocol):
    async def group_ids(self, user_id: int) -> frozenset[int]: ...
    async def memberships(self, user_id: int) -> list[Membership]: ...
    async def profile(self, user_id: int) -> Profile: ...
    async def emails(self, user_id: int, *, limit: int) -> list[LoggedEmail]: ...
    async def activity(self, user_id: int, *, limit: int) -> list[Activity]: ...
    async def changes(self, user_id: int, *, limit: int) -> list[Change]: ...
    async def set_status(
        self, user_id: int, status: UserStatus | None, *, by: int | None, now: datetime
    ) -> None:
        """``SUSPENDED`` ends their sessions; None reactivates (active, or invited
        without a password). Recorded in the same transaction."""

    async def edit(
        self, user_id: int, edit: Edit, *, by: int | None, detail: str, now: datetime
    ) -> None: ...
    async def change_progress(
        self,
        user_id: int,
        change: ProgressChange,
        *,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        """Sets the enrolment's progress (complete, reset) with its log line and
        emails, in one transaction."""

    async def change_email(
        self,
        user_id: int,
        *,
        old: str,
        new: str,
        alias_until: datetime,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        """Raises ``EmailTaken`` when another person took ``new`` meanwhile."""

    async def delete(self, user_id: int, *, by: int | None, now: datetime) -> None:
        """Deletes them, leaving their lines in the logs as a deleted user."""

    async def create(
        self,
        *,
        email: str,
        username: str,
        by: int | None,
        now: datetime,
        compose: Callable[[User], list[OutgoingEmail]],
    ) -> User:
        """An invited user in no group, with the emails ``compose`` gives, in one
        transaction; raises ``EmailTaken`` when the address was taken meanwhile."""

    async def record(
        self,
        user_id: int,
        action: CardAction,
        *,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        """A log line for an action that changes no field, with its emails."""

    async def aliases(self, emails: Collection[str], now: datetime) -> dict[str, User]:
        """Who each still-valid former address names."""


class Store(Protocol):
    groups: GroupStore
    members: MemberStore
    users: UserStore
    courses: CourseStore
    permissions: PermissionStore
    outbox: OutboxStore
    accounts: AccountStore
    attempts: AttemptStore
    settings: SettingsStore
    activity: ActivityStore
    bulk: BulkStore
    rules: RuleStore
    workspace: WorkspaceStore
    user_cards: UserCardStore
