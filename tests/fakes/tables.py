"""The fake database: rows in dictionaries, and transactions that undo on failure.

Each fake store method runs without awaiting anything between its first read
and its last write, so on one event loop it is as atomic as the real store's
transaction (and its row lock: two adds can't interleave and overfill a
group). A method that may fail part-way runs in :meth:`Database.transaction`,
which puts every table back as it was, as a rollback would.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from domain.clock import utc_now
from domain.entities import Course, Group, User, UserStatus


class IntegrityViolation(AssertionError):
    """What the database would refuse (a unique or foreign key), where the real store
    lets the ORM's error through instead of turning it into a domain error: a test
    that meets this has found a path the real store does not handle either."""


@dataclass
class UserRow:
    id: int
    email: str
    username: str
    status: UserStatus
    created_at: datetime
    slack_user_id: str | None = None
    is_admin: bool = False
    last_login_at: datetime | None = None
    password_hash: str | None = None
    permissions_set_at: datetime | None = None
    first_name: str = ""
    last_name: str = ""
    tags: tuple[str, ...] = ()
    slack_deactivated_at: datetime | None = None


@dataclass
class CourseRow:
    id: int
    title: str
    key: str


@dataclass
class GroupRow:
    id: int
    title: str
    key: str
    description: str
    seat_limit: int | None
    created_at: datetime
    updated_at: datetime


@dataclass
class MembershipRow:
    id: int
    group_id: int
    user_id: int
    joined_at: datetime
    source: str = "manual"
    """"manual" (added by hand, by a form or a file) or "rule"."""


@dataclass
class EnrollmentRow:
    user_id: int
    course_id: int
    enrolled_at: datetime
    progress: int = 0
    completed_at: datetime | None = None


@dataclass
class ChangeRow:
    id: int
    subject_id: int | None
    changed_by_id: int | None
    granted: tuple[str, ...]
    revoked: tuple[str, ...]
    note: str
    at: datetime


@dataclass
class OutboxRow:
    id: int
    user_id: int | None
    to: str
    subject: str
    text: str
    html: str
    trigger: str
    state: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None = None


@dataclass
class Tables:
    users: dict[int, UserRow] = field(default_factory=dict)
    courses: dict[int, CourseRow] = field(default_factory=dict)
    groups: dict[int, GroupRow] = field(default_factory=dict)
    group_courses: set[tuple[int, int]] = field(default_factory=set)
    """(group id, course id)"""
    group_managers: set[tuple[int, int]] = field(default_factory=set)
    """(group id, user id)"""
    memberships: dict[int, MembershipRow] = field(default_factory=dict)
    enrollments: dict[tuple[int, int], EnrollmentRow] = field(default_factory=dict)
    """By (user id, course id), which is unique."""
    grants: set[tuple[int, str]] = field(default_factory=set)
    """(user id, capability key)"""
    default_capabilities: set[str] = field(default_factory=set)
    changes: list[ChangeRow] = field(default_factory=list)
    outbox: dict[int, OutboxRow] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    """Each value as JSON text, as the real table keeps it."""


class Database:
    """The tables every fake store of one :class:`FakeStore` shares, and the clock
    that stands in for the database's own ``now()``."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.tables = Tables()
        self.clock = clock
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        """One sequence for every table: an id never names two rows, which catches a
        test that mixes up a user's id with a group's."""
        return next(self._ids)

    @contextmanager
    def transaction(self) -> Iterator[Tables]:
        saved = copy.deepcopy(self.tables)
        try:
            yield self.tables
        except BaseException:
            self.tables = saved
            raise

    # Reads shared by several stores, shaped as storage/convert.py shapes rows.

    def user(self, user_id: int) -> User:
        row = self.tables.users[user_id]
        return User(
            id=row.id,
            email=row.email,
            username=row.username,
            status=row.status,
            slack_user_id=row.slack_user_id,
            is_admin=row.is_admin,
            last_login_at=row.last_login_at,
            slack_deactivated_at=row.slack_deactivated_at,
        )

    def course(self, course_id: int) -> Course:
        row = self.tables.courses[course_id]
        return Course(id=row.id, title=row.title)

    def user_by_email(self, email: str) -> UserRow | None:
        return next((u for u in self.tables.users.values() if u.email == email), None)

    def group(self, group_id: int) -> Group:
        """With its courses by title, managers by email and member count."""
        t = self.tables
        row = t.groups[group_id]
        courses = [self.course(c) for g, c in t.group_courses if g == group_id]
        managers = [self.user(u) for g, u in t.group_managers if g == group_id]
        return Group(
            id=row.id,
            title=row.title,
            description=row.description,
            seat_limit=row.seat_limit,
            created_at=row.created_at,
            updated_at=row.updated_at,
            courses=tuple(sorted(courses, key=lambda c: c.title.casefold())),
            managers=tuple(sorted(managers, key=lambda u: u.email)),
            member_count=sum(m.group_id == group_id for m in t.memberships.values()),
        )

    def members_of(self, group_id: int) -> list[MembershipRow]:
        return [m for m in self.tables.memberships.values() if m.group_id == group_id]

    def membership(self, group_id: int, user_id: int) -> MembershipRow | None:
        return next((m for m in self.members_of(group_id) if m.user_id == user_id), None)

    def touch(self, group_id: int) -> None:
        """``updated_at`` moves when the group or its members change, as ``auto_now`` does."""
        self.tables.groups[group_id].updated_at = self.clock()
