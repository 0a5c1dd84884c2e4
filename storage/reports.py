"""The Reports Center's figures, each counted by the database in one statement.

A report over 10,000 members and 20 courses must not bring 200,000 rows into
Python: the statements below group, count, average and take the median in
SQL, the same text on SQLite and PostgreSQL except for how two moments are
subtracted. The median uses window functions (SQLite 3.25+, PostgreSQL):
each course's completion times are numbered in order, and the middle one (or
the mean of the middle two) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from domain.entities import Course
from domain.reports import CourseStats, GroupLine, LearnerRow, Scope
from storage.rule_sql import compile_rule, on_postgres
from storage.sql import fetch, fetch_number, marks, moment


class _Stats(NamedTuple):
    course_id: int
    title: str
    enrolled: int
    not_started: int | None
    in_progress: int | None
    completed: int | None
    average_progress: float | None
    never_signed_in: int | None
    stalled: int | None
    attention: int | None


class _Line(NamedTuple):
    group_id: int
    title: str
    members: int | None
    enrolments: int | None
    completed: int | None
    never_signed_in: int | None
    stalled: int | None


class _Email(NamedTuple):
    email: str


class _Completed(NamedTuple):
    course_id: int
    title: str
    n: int


class _Median(NamedTuple):
    course_id: int
    days: float


class _Learner(NamedTuple):
    course_id: int
    email: str
    username: str
    course: str
    progress: int
    enrolled_at: Any
    completed_at: Any
    last_sign_in: Any
    last_activity: Any


_LAST_SEEN = (
    "(SELECT MAX(a.occurred_at) FROM activity_events a"
    " WHERE a.user_id = e.user_id AND a.course_id = e.course_id)"
)
"""An enrolment's last activity: one seek in the ``activity_last_seen`` index, where
joining a grouped copy of every event made SQLite scan it once per enrolment."""


def _members(
    scope: Scope, now: datetime, *, after: str | None = None, upto: str | None = None
) -> tuple[str, list[Any]]:
    """The scope's people as a subquery of user ids, a segment's rule joined in; with
    ``after`` and ``upto``, only those whose email sorts in between (an export's page)."""
    sql = (
        "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.group_id = ?"
    )
    params: list[Any] = [scope.group_id]
    if scope.email is not None:
        sql, params = f"{sql} AND u.email = ?", [*params, scope.email]
    if after is not None:
        sql, params = f"{sql} AND u.email > ?", [*params, after]
    if upto is not None:
        sql, params = f"{sql} AND u.email <= ?", [*params, upto]
    if scope.only is not None:
        where, more = compile_rule(scope.only, postgres=on_postgres(), now=now)
        sql, params = f"{sql} AND {where}", [*params, *more]
    return sql, params


def _courses(scope: Scope) -> tuple[str, list[Any]]:
    if scope.email is not None:
        return "SELECT c.id, c.title, c.title_key FROM courses c", []
    if scope.course_id is not None:
        return "SELECT c.id, c.title, c.title_key FROM courses c WHERE c.id = ?", [scope.course_id]
    return (
        "SELECT c.id, c.title, c.title_key FROM courses c "
        "JOIN group_courses gc ON gc.course_id = c.id WHERE gc.group_id = ?",
        [scope.group_id],
    )


def _enrolments(
    scope: Scope, now: datetime, *, after: str | None = None, upto: str | None = None
) -> tuple[str, list[Any]]:
    """``WITH`` clauses: ``scope_courses``, and ``scoped``: each enrolment in scope with
    the person's last sign-in and their last activity in that course."""
    members, member_params = _members(scope, now, after=after, upto=upto)
    courses, course_params = _courses(scope)
    sql = (
        f"WITH scope_courses (id, title, title_key) AS ({courses}), "
        f"people (user_id) AS ({members}), "
        "scoped AS ("
        " SELECT e.course_id, u.email, u.username, sc.title, sc.title_key, e.progress,"
        f" e.enrolled_at, e.completed_at, u.last_login_at, {_LAST_SEEN} AS last_activity"
        " FROM enrollments e"
        " JOIN scope_courses sc ON sc.id = e.course_id"
        " JOIN people p ON p.user_id = e.user_id"
        " JOIN users u ON u.id = e.user_id) "
    )
    return sql, [*course_params, *member_params]


_LEARNER = (
    "course_id, email, username, title AS course, progress, enrolled_at, completed_at,"
    " last_login_at AS last_sign_in, last_activity"
)


_OVERVIEW = (
    "WITH g (id, title, title_key) AS (SELECT id, title, title_key FROM groups{where}), "
    "mem (group_id, n, never) AS ("
    " SELECT m.group_id, COUNT(*), SUM(CASE WHEN u.last_login_at IS NULL THEN 1 ELSE 0 END)"
    " FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.group_id IN (SELECT id FROM g) GROUP BY m.group_id), "
    "en (group_id, completed_at, enrolled_at, last_login_at, last_activity) AS ("
    " SELECT m.group_id, e.completed_at, e.enrolled_at, u.last_login_at,"
    f" {_LAST_SEEN}"
    " FROM memberships m JOIN group_courses gc ON gc.group_id = m.group_id"
    " JOIN enrollments e ON e.user_id = m.user_id AND e.course_id = gc.course_id"
    " JOIN users u ON u.id = m.user_id"
    " WHERE m.group_id IN (SELECT id FROM g)) "
    "SELECT g.id AS group_id, g.title AS title, COALESCE(MAX(mem.n), 0) AS members,"
    " COUNT(en.group_id) AS enrolments,"
    " SUM(CASE WHEN en.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS completed,"
    " COALESCE(MAX(mem.never), 0) AS never_signed_in,"
    " SUM(CASE WHEN en.completed_at IS NULL AND en.last_login_at IS NOT NULL"
    " AND COALESCE(en.last_activity, en.enrolled_at) < ? THEN 1 ELSE 0 END) AS stalled"
    " FROM g LEFT JOIN mem ON mem.group_id = g.id LEFT JOIN en ON en.group_id = g.id"
    " GROUP BY g.id, g.title, g.title_key ORDER BY g.title_key"
)


class ReportStore:
    async def overview(
        self, group_ids: Sequence[int] | None, *, idle_since: datetime
    ) -> list[GroupLine]:
        ids = list(group_ids or [])
        if group_ids is not None and not ids:
            return []
        where = f" WHERE id IN ({marks(len(ids))})" if group_ids is not None else ""
        rows = await fetch(None, _OVERVIEW.format(where=where), [*ids, idle_since], _Line)
        return [
            GroupLine(
                group_id=r.group_id,
                title=r.title,
                members=int(r.members or 0),
                enrolments=int(r.enrolments or 0),
                completed=int(r.completed or 0),
                never_signed_in=int(r.never_signed_in or 0),
                stalled=int(r.stalled or 0),
            )
            for r in rows
        ]

    async def members(self, scope: Scope, *, now: datetime) -> int:
        sql, params = _members(scope, now)
        return await fetch_number(None, f"SELECT COUNT(*) FROM ({sql}) people", params)

    async def course_stats(
        self, scope: Scope, *, now: datetime, idle_since: datetime
    ) -> list[CourseStats]:
        head, params = _enrolments(scope, now)
        rows = await fetch(
            None,
            f"{head}, counted AS (SELECT r.course_id, COUNT(*) AS enrolled,"
            " SUM(CASE WHEN r.completed_at IS NULL AND r.progress = 0 THEN 1 ELSE 0 END)"
            " AS not_started,"
            " SUM(CASE WHEN r.completed_at IS NULL AND r.progress > 0 THEN 1 ELSE 0 END)"
            " AS in_progress,"
            " SUM(CASE WHEN r.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS completed,"
            " AVG(r.progress * 1.0) AS average_progress,"
            " SUM(CASE WHEN r.last_login_at IS NULL THEN 1 ELSE 0 END) AS never_signed_in,"
            " SUM(CASE WHEN r.completed_at IS NULL AND r.last_login_at IS NOT NULL"
            " AND COALESCE(r.last_activity, r.enrolled_at) < ? THEN 1 ELSE 0 END) AS stalled,"
            " SUM(CASE WHEN r.completed_at IS NULL AND r.last_login_at IS NULL THEN 1 ELSE 0 END)"
            " AS never_started"
            " FROM scoped r GROUP BY r.course_id) "
            "SELECT sc.id AS course_id, sc.title AS title, COALESCE(c.enrolled, 0) AS enrolled,"
            " c.not_started, c.in_progress, c.completed, c.average_progress,"
            " c.never_signed_in, c.stalled, c.stalled + c.never_started AS attention"
            " FROM scope_courses sc LEFT JOIN counted c ON c.course_id = sc.id"
            " ORDER BY sc.title_key",
            [*params, idle_since],
            _Stats,
        )
        medians = await self._medians(scope, now)
        return [
            CourseStats(
                course=Course(r.course_id, r.title),
                enrolled=r.enrolled,
                not_started=r.not_started or 0,
                in_progress=r.in_progress or 0,
                completed=r.completed or 0,
                average_progress=float(r.average_progress or 0),
                median_days_to_complete=medians.get(r.course_id),
                never_signed_in=r.never_signed_in or 0,
                stalled=r.stalled or 0,
                needing_attention=r.attention or 0,
            )
            for r in rows
        ]

    async def _medians(self, scope: Scope, now: datetime) -> dict[int, float]:
        head, params = _enrolments(scope, now)
        days = (
            "EXTRACT(EPOCH FROM (completed_at - enrolled_at)) / 86400.0"
            if on_postgres()
            else "julianday(completed_at) - julianday(enrolled_at)"
        )
        rows = await fetch(
            None,
            f"{head}, took (course_id, days, n, k) AS ("
            f" SELECT course_id, {days},"
            " COUNT(*) OVER (PARTITION BY course_id),"
            f" ROW_NUMBER() OVER (PARTITION BY course_id ORDER BY {days})"
            " FROM scoped WHERE completed_at IS NOT NULL) "
            "SELECT course_id, AVG(days) AS days FROM took"
            " WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY course_id",
            params,
            _Median,
        )
        return {r.course_id: round(float(r.days), 1) for r in rows}

    async def completions(
        self, scope: Scope, *, now: datetime, since: datetime, limit: int
    ) -> tuple[list[tuple[Course, int]], list[LearnerRow]]:
        head, params = _enrolments(scope, now)
        window = "completed_at >= ? AND completed_at <= ?"
        counts = await fetch(
            None,
            f"{head}SELECT course_id, title, COUNT(*) AS n FROM scoped WHERE {window}"
            " GROUP BY course_id, title, title_key ORDER BY title_key",
            [*params, since, now],
            _Completed,
        )
        named = await fetch(
            None,
            f"{head}SELECT {_LEARNER} FROM scoped WHERE {window}"
            " ORDER BY completed_at, email, title_key LIMIT ?",
            [*params, since, now, limit],
            _Learner,
        )
        return [(Course(r.course_id, r.title), int(r.n)) for r in counts], [
            _learner(r) for r in named
        ]

    async def needing_attention(
        self, scope: Scope, *, now: datetime, idle_since: datetime, limit: int
    ) -> list[LearnerRow]:
        """Those who never signed in come first and need no look at their activity, so
        they are read first; the stalled are looked for only when fewer fill the list."""
        head, params = _enrolments(scope, now)
        order = " ORDER BY email, title_key LIMIT ?"
        never = await fetch(
            None,
            f"{head}SELECT {_LEARNER} FROM scoped"
            f" WHERE completed_at IS NULL AND last_login_at IS NULL{order}",
            [*params, limit],
            _Learner,
        )
        stalled = []
        if len(never) < limit:
            stalled = await fetch(
                None,
                f"{head}SELECT {_LEARNER} FROM scoped WHERE completed_at IS NULL"
                " AND last_login_at IS NOT NULL"
                f" AND COALESCE(last_activity, enrolled_at) < ?{order}",
                [*params, idle_since, limit - len(never)],
                _Learner,
            )
        return [_learner(r) for r in (*never, *stalled)]

    async def learners(
        self, scope: Scope, *, now: datetime, after: str | None, people: int
    ) -> tuple[list[LearnerRow], str | None]:
        """One page: the next ``people`` members by email are found first (through
        the email index), then their enrolments; each page costs the same however far
        into the group it is."""
        members, params = _members(scope, now, after=after)
        emails = await fetch(
            None,
            f"SELECT u.email AS email FROM users u WHERE u.id IN ({members})"
            " ORDER BY u.email LIMIT ?",
            [*params, people],
            _Email,
        )
        if not emails:
            return [], None
        last = emails[-1].email
        head, params = _enrolments(scope, now, after=after, upto=last)
        found = await fetch(
            None,
            f"{head}SELECT {_LEARNER} FROM scoped ORDER BY email, course_id",
            params,
            _Learner,
        )
        return [_learner(r) for r in found], last if len(emails) == people else None


def _learner(row: _Learner) -> LearnerRow:
    enrolled = moment(row.enrolled_at)
    assert enrolled is not None
    return LearnerRow(
        email=row.email,
        username=row.username,
        course=row.course,
        progress=int(row.progress),
        enrolled_at=enrolled,
        completed_at=moment(row.completed_at),
        last_sign_in=moment(row.last_sign_in),
        last_activity=moment(row.last_activity),
        course_id=int(row.course_id),
    )
