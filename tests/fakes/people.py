"""School users and group memberships, as storage/users.py and storage/members.py keep
them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from domain.entities import (
    Course,
    Enrollment,
    Joined,
    Leaving,
    MemberRow,
    Page,
    SlackProfile,
    User,
    UserStatus,
)
from domain.errors import GroupNotFound, NotLinkable, Unlinkable
from domain.events.model import Cause
from domain.groups import seats_left
from domain.ports.hooks import Compose
from domain.rules.evaluator import matches
from domain.rules.model import Person, Rule
from tests.fakes.emails import queue
from tests.fakes.tables import Database, EnrollmentRow, IntegrityViolation, MembershipRow, UserRow


class FakeUserStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_slack_id(self, slack_user_id: str) -> User | None:
        row = self._by_slack_id(slack_user_id)
        return self._db.user(row.id) if row else None

    async def get(self, user_id: int) -> User | None:
        return self._db.user(user_id) if user_id in self._db.tables.users else None

    async def by_emails(self, emails: Collection[str]) -> dict[str, User]:
        rows = self._db.tables.users.values()
        return {r.email: self._db.user(r.id) for r in rows if r.email in emails}

    async def by_email(self, email: str) -> User | None:
        row = self._db.user_by_email(email)
        return self._db.user(row.id) if row else None

    async def link_slack(self, profile: SlackProfile, *, email: str, admin: bool) -> User:
        """Ties the account to the user with its email, creating an active one if none."""
        with self._db.transaction():
            row = self._by_slack_id(profile.slack_user_id) or self._db.user_by_email(email)
            if row is None:
                row = insert_user(self._db, email, email.split("@", 1)[0][:64], UserStatus.ACTIVE)
            if row.slack_user_id not in (None, profile.slack_user_id):
                raise NotLinkable(
                    profile.slack_user_id,
                    Unlinkable.EMAIL_TAKEN,
                    email=email,
                    owner=row.slack_user_id,
                )
            row.slack_user_id = profile.slack_user_id
            row.is_admin = row.is_admin or admin
        return self._db.user(row.id)

    async def link_existing(self, slack_user_id: str, email: str) -> User | None:
        row = self._db.user_by_email(email)
        if row is None or row.slack_user_id is not None:
            return None
        if self._by_slack_id(slack_user_id) is not None:
            raise IntegrityViolation(f"Slack account {slack_user_id} is linked already")
        row.slack_user_id = slack_user_id
        return self._db.user(row.id)

    async def managed_group_ids(self, user_id: int) -> frozenset[int]:
        return frozenset(g for g, u in self._db.tables.group_managers if u == user_id)

    async def roles(self, user_id: int) -> tuple[frozenset[int], frozenset[str]]:
        grants = frozenset(c for u, c in self._db.tables.grants if u == user_id)
        return await self.managed_group_ids(user_id), grants

    async def admins(self) -> list[User]:
        rows = sorted(self._db.tables.users.values(), key=lambda r: r.id)
        return [self._db.user(r.id) for r in rows if r.is_admin]

    async def deactivated_among(self, slack_user_ids: Collection[str]) -> frozenset[str]:
        return frozenset(
            r.slack_user_id
            for r in self._db.tables.users.values()
            if r.slack_user_id is not None
            and r.slack_user_id in slack_user_ids
            and r.slack_deactivated_at is not None
        )

    async def enrollments(self, user_id: int) -> list[Enrollment]:
        t = self._db.tables
        rows = [e for e in t.enrollments.values() if e.user_id == user_id]
        rows.sort(key=lambda e: t.courses[e.course_id].key)
        return [Enrollment(self._db.course(e.course_id), e.progress, e.completed_at) for e in rows]

    async def create(self, *, email: str, username: str, status: UserStatus) -> User:
        return self._db.user(insert_user(self._db, email, username, status).id)

    def _by_slack_id(self, slack_user_id: str) -> UserRow | None:
        rows = self._db.tables.users.values()
        return next((r for r in rows if r.slack_user_id == slack_user_id), None)


class FakeMemberStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, *, group_id: int, email: str, username: str, compose: Compose, cause: Cause
    ) -> Joined:
        """Full when ``seats_left`` says no room, counting every member as the real one does."""
        db = self._db
        with db.transaction() as t:
            group = t.groups.get(group_id)
            if group is None:
                raise GroupNotFound(f"#{group_id}")
            row = db.user_by_email(email)
            if row is not None and db.membership(group_id, row.id) is not None:
                return Joined(db.user(row.id), already=True)
            if seats_left(group.seat_limit, len(db.members_of(group_id))) == 0:
                return Joined(db.user(row.id) if row else None, full=True)
            created = row is None
            user_id = row.id if row else insert_user(db, email, username, UserStatus.INVITED).id
            now = db.clock()
            membership = MembershipRow(db.next_id(), group_id, user_id, now)
            t.memberships[membership.id] = membership
            new, kept = enrol_in_group_courses(db, group_id, user_id)
            db.touch(group_id)
            queue(db, compose(db.user(user_id), created, new), now)
        return Joined(db.user(user_id), created, enrolled=tuple(new), kept=tuple(kept))

    async def remove(
        self, *, group_id: int, email: str, cause: Cause
    ) -> tuple[Leaving, User | None]:
        db = self._db
        row = db.user_by_email(email)
        if row is None:
            return Leaving.NOT_A_MEMBER, None
        membership = db.membership(group_id, row.id)
        if membership is not None and membership.source == "rule":
            return Leaving.BY_RULE, db.user(row.id)
        if membership is None:
            return Leaving.NOT_A_MEMBER, db.user(row.id)
        del db.tables.memberships[membership.id]
        db.touch(group_id)
        return Leaving.REMOVED, db.user(row.id)

    async def member_emails(self, group_id: int, emails: Sequence[str]) -> set[str]:
        users = self._db.tables.users
        found = {users[m.user_id].email for m in self._db.members_of(group_id)}
        return found & set(emails)

    async def never_signed_in(self, group_id: int) -> list[User]:
        users = self._db.tables.users
        rows = [users[m.user_id] for m in self._db.members_of(group_id)]
        waiting = [r for r in rows if r.last_login_at is None and r.password_hash is None]
        return [self._db.user(r.id) for r in sorted(waiting, key=lambda r: r.email)]

    async def page(
        self, *, group_id: int, offset: int, limit: int, only: Rule | None = None, now: datetime
    ) -> Page[MemberRow]:
        """With ``only``, the segment is evaluated in Python by domain/rules/evaluator.py,
        the twin of the SQL the real store runs."""
        rows = sorted(self._db.members_of(group_id), key=lambda m: (m.joined_at, m.id))
        if only is not None:
            rows = [m for m in rows if matches(only, person(self._db, m.user_id), now)]
        items = tuple(
            MemberRow(
                user=self._db.user(m.user_id),
                joined_at=m.joined_at,
                courses=tuple(self._current_courses(m.user_id)),
                by_rule=m.source == "rule",
            )
            for m in rows[offset : offset + limit]
        )
        return Page(items, total=len(rows), offset=offset, limit=limit)

    def _current_courses(self, user_id: int) -> list[Course]:
        t = self._db.tables
        current = [
            e.course_id
            for e in t.enrollments.values()
            if e.user_id == user_id and e.completed_at is None
        ]
        return [self._db.course(c) for c in sorted(current, key=lambda c: t.courses[c].key)]


def insert_user(db: Database, email: str, username: str, status: UserStatus) -> UserRow:
    if db.user_by_email(email) is not None:
        raise IntegrityViolation(f"a user has the email {email} already")
    row = UserRow(db.next_id(), email, username, status, created_at=db.clock())
    db.tables.users[row.id] = row
    return row


def enrol_in_group_courses(
    db: Database, group_id: int, user_id: int
) -> tuple[list[Course], list[Course]]:
    """Enrols in the group's courses they lack: (newly enrolled, enrolled before), each
    by title."""
    t = db.tables
    courses = sorted(
        (db.course(c) for g, c in t.group_courses if g == group_id),
        key=lambda c: c.title.casefold(),
    )
    new = [c for c in courses if (user_id, c.id) not in t.enrollments]
    for course in new:
        t.enrollments[(user_id, course.id)] = EnrollmentRow(user_id, course.id, db.clock())
    kept = [c for c in courses if c not in new]
    return new, kept


def person(db: Database, user_id: int) -> Person:
    """What a rule sees of a user, built from the tables."""
    t = db.tables
    row = t.users[user_id]
    return Person(
        id=row.id,
        email=row.email,
        username=row.username,
        first_name=row.first_name,
        last_name=row.last_name,
        tags=row.tags,
        status=row.status.value,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        courses={
            t.courses[e.course_id].key: (e.progress, e.completed_at is not None)
            for e in t.enrollments.values()
            if e.user_id == user_id
        },
        groups=frozenset(
            t.groups[m.group_id].key for m in t.memberships.values() if m.user_id == user_id
        ),
    )
