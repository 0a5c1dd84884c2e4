"""The Reports Center: how a group's people are doing in its courses.

Every figure is counted by the database (see ``storage/reports.py``); the
domain decides who may read which report, what "stalled" means and how many
people a message names before the rest go to the file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.clock import Clock, utc_now
from domain.entities import Actor, Course, Group
from domain.errors import MemberNotFound
from domain.permissions import Capability, allows, require
from domain.rules.model import Rule
from domain.validation import normalize_email

IDLE_AFTER = timedelta(days=14)
"""No learning activity for this long (and not completed) counts as stalled."""
NAMED_IN_MESSAGE = 10
"""People needing attention named in the message; the file lists them all."""
EXPORT_PEOPLE = 500
"""Members per page of an export (a page holds their enrolments in every course)."""


@dataclass(frozen=True, slots=True)
class CourseStats:
    """One course among a group's members (or a segment of them)."""

    course: Course
    enrolled: int
    not_started: int
    in_progress: int
    completed: int
    average_progress: float
    median_days_to_complete: float | None
    """None while nobody has completed it."""
    never_signed_in: int
    stalled: int
    """Enrolled, not completed, and no activity in the course for :data:`IDLE_AFTER`."""
    needing_attention: int = 0
    """Not completed, and never signed in or stalled: each counted once."""

    @property
    def completion_rate(self) -> float:
        """Completed out of enrolled, 0 for a course nobody is enrolled in."""
        return self.completed / self.enrolled if self.enrolled else 0.0


class Concern(StrEnum):
    NEVER_SIGNED_IN = "never signed in"
    STALLED = "stalled"


@dataclass(frozen=True, slots=True)
class LearnerRow:
    """One person in one course: the row behind every figure, and an export's line."""

    email: str
    username: str
    course: str
    progress: int
    enrolled_at: datetime
    completed_at: datetime | None
    last_sign_in: datetime | None
    last_activity: datetime | None
    course_id: int = 0
    """The course's id, for ordering an export."""

    def concern(self, idle_since: datetime) -> Concern | None:
        """Why this person needs attention, if they do; never signing in comes first."""
        if self.completed_at is not None:
            return None
        if self.last_sign_in is None:
            return Concern.NEVER_SIGNED_IN
        if (self.last_activity or self.enrolled_at) < idle_since:
            return Concern.STALLED
        return None


@dataclass(frozen=True, slots=True)
class GroupReport:
    group: Group
    course: Course | None
    segment: str
    """The segment's name when the report is filtered by one, else empty."""
    members: int
    courses: tuple[CourseStats, ...]
    attention: tuple[LearnerRow, ...]
    """The first :data:`NAMED_IN_MESSAGE` people needing attention."""
    attention_total: int
    idle_since: datetime
    at: datetime
    scope: Scope


@dataclass(frozen=True, slots=True)
class CompletionReport:
    """Who completed which course in a period, beside each course's figures."""

    report: GroupReport
    since: datetime
    per_course: tuple[tuple[Course, int], ...]
    """Completions in the period, for each course that had any."""
    people: tuple[LearnerRow, ...]
    """The first :data:`NAMED_IN_MESSAGE` of them, earliest first."""

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_course)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which enrolments a report counts: a group's members, maybe a segment of them,
    in the group's courses or in one course."""

    group_id: int
    course_id: int | None = None
    only: Rule | None = None
    email: str | None = None
    """One member: every course they are enrolled in, not only the group's."""


@dataclass(frozen=True, slots=True)
class GroupLine:
    """One group in the school's overview."""

    group_id: int
    title: str
    members: int
    enrolments: int
    completed: int
    never_signed_in: int
    stalled: int

    @property
    def completion_rate(self) -> float:
        return self.completed / self.enrolments if self.enrolments else 0.0


@dataclass(frozen=True, slots=True)
class LearnerReport:
    group: Group
    email: str
    username: str
    rows: tuple[LearnerRow, ...]
    idle_since: datetime
    at: datetime


@dataclass(frozen=True, slots=True)
class SchoolReport:
    lines: tuple[GroupLine, ...]
    whole_school: bool
    """False for a manager: the lines are their groups only."""
    at: datetime


class ReportStore(Protocol):
    async def course_stats(
        self, scope: Scope, *, now: datetime, idle_since: datetime
    ) -> list[CourseStats]:
        """One row per course in scope, counted by the database in one statement."""
        ...

    async def members(self, scope: Scope, *, now: datetime) -> int: ...
    async def completions(
        self, scope: Scope, *, now: datetime, since: datetime, limit: int
    ) -> tuple[list[tuple[Course, int]], list[LearnerRow]]:
        """Completions from ``since`` to ``now`` per course, and the first ``limit``."""
        ...

    async def needing_attention(
        self, scope: Scope, *, now: datetime, idle_since: datetime, limit: int
    ) -> list[LearnerRow]:
        """The first ``limit`` enrolments needing attention: never signed in first,
        then stalled, each by email. (How many there are comes with the stats.)"""
        ...

    async def learners(
        self, scope: Scope, *, now: datetime, after: str | None, people: int
    ) -> tuple[list[LearnerRow], str | None]:
        """The enrolments of the next ``people`` members by email after ``after``, by
        email then course, and where the next page starts (None after the last): an
        export of 100,000 rows reads them a page at a time instead of all at once."""
        ...

    async def overview(
        self, group_ids: Sequence[int] | None, *, idle_since: datetime
    ) -> list[GroupLine]:
        """One line per group (all of them for None), counted in one statement."""
        ...


class ReportsHolder(Protocol):
    @property
    def reports(self) -> ReportStore: ...

    @property
    def members(self) -> MemberEmails: ...


class MemberEmails(Protocol):
    async def member_emails(self, group_id: int, emails: Sequence[str]) -> set[str]: ...


class ReportService:
    def __init__(self, store: ReportsHolder, *, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    async def group_report(
        self,
        actor: Actor,
        group: Group,
        *,
        course: Course | None = None,
        only: Rule | None = None,
        segment: str = "",
    ) -> GroupReport:
        """The group's progress, course by course, with who needs attention.

        Reading it needs *View user analytics* on that group: a count reveals as
        much as a list, so the check is the same as for the members themselves."""
        require(actor, Capability.VIEW_ANALYTICS, group)
        now = self._clock()
        idle_since = now - IDLE_AFTER
        scope = Scope(group.id, course.id if course else None, only)
        reports = self._store.reports
        stats = await reports.course_stats(scope, now=now, idle_since=idle_since)
        named = await reports.needing_attention(
            scope, now=now, idle_since=idle_since, limit=NAMED_IN_MESSAGE
        )
        return GroupReport(
            group=group,
            course=course,
            segment=segment,
            members=await reports.members(scope, now=now),
            courses=tuple(stats),
            attention=tuple(named),
            attention_total=sum(s.needing_attention for s in stats),
            idle_since=idle_since,
            at=now,
            scope=scope,
        )

    async def completions(
        self,
        actor: Actor,
        group: Group,
        *,
        since: datetime,
        course: Course | None = None,
        only: Rule | None = None,
        segment: str = "",
    ) -> CompletionReport:
        """The group's report with the completions since ``since``: a scheduled report
        of what changed in its period, read with the same right as the figures."""
        report = await self.group_report(actor, group, course=course, only=only, segment=segment)
        per_course, people = await self._store.reports.completions(
            report.scope, now=report.at, since=since, limit=NAMED_IN_MESSAGE
        )
        return CompletionReport(report, since, tuple(per_course), tuple(people))

    async def learner_report(self, actor: Actor, group: Group, email: str) -> LearnerReport:
        """One member's courses, progress, last activity and completions. Someone who
        is not a member answers as not found: the group is what the caller may see."""
        require(actor, Capability.VIEW_ANALYTICS, group)
        clean = normalize_email(email)
        found = await self._store.members.member_emails(group.id, [clean])
        if not found:
            raise MemberNotFound(clean)
        now = self._clock()
        rows, _ = await self._store.reports.learners(
            Scope(group.id, email=clean), now=now, after=None, people=1
        )
        username = rows[0].username if rows else clean.split("@", 1)[0]
        return LearnerReport(group, clean, username, tuple(rows), now - IDLE_AFTER, now)

    async def school_report(self, actor: Actor) -> SchoolReport:
        """Every group for an admin; a manager's own groups for a manager."""
        require(actor, Capability.VIEW_ANALYTICS)
        now = self._clock()
        visible = None if actor.is_admin else sorted(actor.managed_group_ids)
        lines = await self._store.reports.overview(visible, idle_since=now - IDLE_AFTER)
        return SchoolReport(tuple(lines), visible is None, now)

    def may_export(self, actor: Actor, group: Group) -> bool:
        """Whether a report's file of everyone goes with it (*Export user analytics*)."""
        return allows(actor, Capability.EXPORT_ANALYTICS, group)

    async def learners(self, actor: Actor, report: GroupReport) -> AsyncIterator[list[LearnerRow]]:
        """The rows behind ``report``, a page at a time, as of the report's moment."""
        require(actor, Capability.EXPORT_ANALYTICS, report.group)
        after: str | None = None
        while True:
            page, after = await self._store.reports.learners(
                report.scope, now=report.at, after=after, people=EXPORT_PEOPLE
            )
            if page:
                yield page
            if after is None:
                return


def completion_series(stats: Sequence[CourseStats]) -> list[tuple[str, float]]:
    """(course title, completion percent) for the chart, in the report's order."""
    return [(s.course.title, round(100 * s.completion_rate, 1)) for s in stats]
