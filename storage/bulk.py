"""Bulk jobs: staged rows, compare-and-set state changes, chunks applied set-based.

Rows are written with ``executemany`` in one statement per table and chunk,
not one ORM object per row: tortoise's ``bulk_create`` manages about a third
of the rate, and ``create()`` per row about a fiftieth.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.bulk.model import (
    FINISHED,
    BulkJob,
    CheckCounts,
    ItemResult,
    JobKind,
    JobOptions,
    JobState,
    RowOutcome,
    RunCounts,
    kept_from_deletion,
)
from domain.bulk.sheet import RowProblem, StagedRow
from domain.entities import Course, Group, User, UserStatus
from domain.events.model import BULK_ROWS, JOB_STATES, Cause, EventType, How, SchoolEvent
from domain.groups import seats_left
from domain.letters import Trigger
from domain.ports.hooks import Compose
from domain.validation import title_key
from storage import convert
from storage.events import record
from storage.models import (
    BulkJobItemRow,
    BulkJobRow,
    GroupRow,
    MembershipRow,
    UserRow,
)
from storage.outbox import queue
from storage.sql import execute, execute_many, fetch, fetch_ids, fetch_number, marks
from storage.user_card import tombstone


class Item(NamedTuple):
    """A staged row as a chunk applies it."""

    id: int
    row: int
    username: str
    email: str
    first_name: str
    last_name: str
    tags: str
    problem: str
    course: str
    progress: str


class _Preview(NamedTuple):
    new_users: int | None
    existing: int | None
    already: int | None


class _Email(NamedTuple):
    email: str


class _IdEmail(NamedTuple):
    id: int
    email: str


class _Person(NamedTuple):
    id: int
    email: str
    username: str
    status: str


class _Deletable(NamedTuple):
    id: int
    email: str
    is_admin: bool
    slack_user_id: str | None
    outside: int


class _CourseKey(NamedTuple):
    id: int
    title_key: str


class _CourseTitle(NamedTuple):
    id: int
    title: str


class _Enrolment(NamedTuple):
    user_id: int
    course_id: int


Items = Sequence[Item]
Apply = Callable[[BaseDBAsyncClient, GroupRow, Items], Awaitable[RunCounts]]
"""Applies one chunk of a job's rows inside the chunk's transaction."""

_RUNNABLE = (JobState.APPROVED.value, JobState.RUNNING.value)
_REPORTABLE = (JobState.DONE.value, JobState.DONE_WITH_ERRORS.value, JobState.FAILED.value)
_FINISHED = tuple(s.value for s in FINISHED)
CANDIDATES = 5
"""Jobs tried per claim, for when other runners take the first ones meanwhile."""


class BulkStore:
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
        row = await BulkJobRow.create(
            kind=kind.value,
            group_id=group.id,
            group_title=group.title,
            course_id=course.id if course else None,
            course_title=course.title if course else "",
            filename=filename[:255],
            columns=",".join(columns),
            state=JobState.CHECKING.value,
            uploaded_by_id=uploaded_by,
            notes=list(notes),
        )
        return await self._entity(row.id)

    async def stage(self, job_id: int, rows: Sequence[StagedRow]) -> None:
        await execute_many(
            None,
            'INSERT INTO bulk_job_items (job_id, "row", username, email, first_name, last_name, '
            "tags, problem, course, progress, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
            [(job_id, *r) for r in rows],
        )

    async def stage_members(self, job_id: int, group_id: int) -> int:
        """Rows numbered by user id: unique, ordered, and stable across a resume."""
        await execute(
            None,
            'INSERT INTO bulk_job_items (job_id, "row", username, email, first_name, '
            "last_name, tags, problem, course, progress, result) SELECT ?, u.id, u.username, "
            "u.email, u.first_name, u.last_name, '', '', '', '', '' FROM memberships m "
            "JOIN users u ON u.id = m.user_id WHERE m.group_id = ?",
            [job_id, group_id],
        )
        return await BulkJobItemRow.filter(job_id=job_id).count()

    async def enrolled_count(self, job_id: int, course_id: int) -> int:
        return await fetch_number(
            None,
            "SELECT COUNT(*) FROM bulk_job_items i JOIN users u ON u.email = i.email "
            "JOIN enrollments e ON e.user_id = u.id AND e.course_id = ? WHERE i.job_id = ?",
            [course_id, job_id],
        )

    async def preview_counts(self, job_id: int, group_id: int) -> tuple[int, int, int]:
        rows = await fetch(
            None,
            "SELECT "
            "SUM(CASE WHEN u.id IS NULL THEN 1 ELSE 0 END) AS new_users, "
            "SUM(CASE WHEN u.id IS NOT NULL AND m.id IS NULL THEN 1 ELSE 0 END) AS existing, "
            "SUM(CASE WHEN m.id IS NOT NULL THEN 1 ELSE 0 END) AS already "
            "FROM bulk_job_items i "
            "LEFT JOIN users u ON u.email = i.email "
            "LEFT JOIN memberships m ON m.user_id = u.id AND m.group_id = ? "
            "WHERE i.job_id = ? AND i.problem = ''",
            [group_id, job_id],
            _Preview,
        )
        counts = rows[0]
        return (
            int(counts.new_users or 0),
            int(counts.existing or 0),
            int(counts.already or 0),
        )

    async def checked(self, job_id: int, counts: CheckCounts, *, rows_total: int) -> BulkJob:
        await BulkJobRow.filter(id=job_id).update(
            state=JobState.CHECKED.value, counts=_check_json(counts), rows_total=rows_total
        )
        return await self._entity(job_id)

    async def get(self, job_id: int) -> BulkJob | None:
        row = await BulkJobRow.get_or_none(id=job_id).prefetch_related("uploaded_by", "decided_by")
        return None if row is None else _job(row)

    async def set_fields(self, job_id: int, **values: Any) -> None:
        await BulkJobRow.filter(id=job_id).update(**values)

    async def move(
        self, job_id: int, allowed: Collection[JobState], target: JobState, **values: Any
    ) -> BulkJob | None:
        fields = _fields(values)
        async with in_transaction() as conn:
            changed = (
                await BulkJobRow.filter(id=job_id, state__in=[s.value for s in allowed])
                .using_db(conn)
                .update(state=target.value, **fields)
            )
            if changed and target in JOB_STATES:
                await _job_event(conn, job_id, target, datetime.now(UTC))
        return await self._entity(job_id) if changed else None

    async def log(
        self,
        *,
        group_ids: Collection[int] | None,
        kind: JobKind | None,
        since: datetime | None,
        limit: int,
    ) -> list[BulkJob]:
        query = BulkJobRow.exclude(state=JobState.CHECKING.value)
        if group_ids is not None:
            query = query.filter(group_id__in=list(group_ids))
        if kind is not None:
            query = query.filter(kind=kind.value)
        if since is not None:
            query = query.filter(created_at__gte=since)
        rows = (
            await query.order_by("-created_at", "-id")
            .limit(limit)
            .prefetch_related("uploaded_by", "decided_by")
        )
        return [_job(r) for r in rows]

    async def fail_state(self, state: JobState, reason: str) -> int:
        return await BulkJobRow.filter(state=state.value).update(
            state=JobState.FAILED.value, reason=reason
        )

    async def claim(self, *, owner: str, now: datetime, until: datetime) -> BulkJob | None:
        """The oldest job to work on that no other runner holds, taken until ``until``
        by compare-and-set: of two runners racing for it, one gets it."""
        free = Q(lease_until=None) | Q(lease_until__lte=now) | Q(lease_owner=owner)
        due = Q(report_retry_at=None) | Q(report_retry_at__lte=now)
        runnable = BulkJobRow.filter(free, state__in=_RUNNABLE).order_by("decided_at", "id")
        reportable = _unreported().filter(free, due).order_by("id")
        candidates = [
            *cast(list[int], await runnable.limit(CANDIDATES).values_list("id", flat=True)),
            *cast(list[int], await reportable.limit(CANDIDATES).values_list("id", flat=True)),
        ]
        for job_id in candidates:
            taken = await fetch_ids(
                None,
                "UPDATE bulk_jobs SET lease_owner = ?, lease_until = ? WHERE id = ? AND "
                "(lease_until IS NULL OR lease_until <= ? OR lease_owner = ?) RETURNING id",
                [owner, until, job_id, now, owner],
            )
            if taken:
                return await self._entity(job_id)
        return None

    async def renew(self, job_id: int, *, owner: str, until: datetime) -> bool:
        """Still this runner's: its lease runs on. False once another took it over."""
        renewed = await BulkJobRow.filter(id=job_id, lease_owner=owner).update(lease_until=until)
        return renewed == 1

    async def release(self, job_id: int, *, owner: str) -> None:
        await BulkJobRow.filter(id=job_id, lease_owner=owner).update(lease_until=None)

    async def report_failed(self, job_id: int, *, retry_at: datetime) -> BulkJob:
        await BulkJobRow.filter(id=job_id).update(
            report_attempts=F("report_attempts") + 1, report_retry_at=retry_at
        )
        return await self._entity(job_id)

    async def prune_rows(self, *, finished_before: datetime, limit: int, now: datetime) -> bool:
        """One short statement per batch, outside any transaction, so SQLite's writer is
        never held for long; a job is marked pruned only once none of its rows are
        left, so stopping between batches loses nothing."""
        waiting = await _unreported().values_list("id", flat=True)
        job = (
            await BulkJobRow.filter(state__in=_FINISHED, rows_pruned_at=None)
            .filter(
                Q(finished_at__lt=finished_before)
                | Q(finished_at=None, decided_at__lt=finished_before)
                | Q(finished_at=None, decided_at=None, created_at__lt=finished_before)
            )
            .exclude(id__in=list(waiting))
            .order_by("id")
            .first()
        )
        if job is None:
            return False
        await execute(
            None,
            "DELETE FROM bulk_job_items WHERE id IN "
            "(SELECT id FROM bulk_job_items WHERE job_id = ? LIMIT ?)",
            [job.id, limit],
        )
        left = await fetch_ids(
            None, "SELECT id FROM bulk_job_items WHERE job_id = ? LIMIT 1", [job.id]
        )
        if not left:
            await BulkJobRow.filter(id=job.id).update(rows_pruned_at=now)
        return True

    async def finish_failed(self, job_id: int, reason: str, now: datetime) -> BulkJob:
        async with in_transaction() as conn:
            await (
                BulkJobRow.filter(id=job_id)
                .using_db(conn)
                .update(state=JobState.FAILED.value, reason=reason, finished_at=now)
            )
            await _job_event(conn, job_id, JobState.FAILED, now)
        return await self._entity(job_id)

    async def apply_add_chunk(
        self, job: BulkJob, *, limit: int, enrol: bool, compose: Compose, now: datetime
    ) -> BulkJob:
        decider = job.decided_by.id if job.decided_by else None
        cause = Cause.bulk(job.id, decider)

        async def add(conn: BaseDBAsyncClient, group: GroupRow, items: Items) -> RunCounts:
            return await _add(
                conn, group, items, enrol=enrol, compose=compose, now=now, cause=cause
            )

        return await self._apply_chunk(job, limit, now, add)

    async def apply_course_chunk(
        self, job: BulkJob, *, limit: int, enrol: bool, compose: Compose, now: datetime
    ) -> BulkJob:
        course = Course(job.course_id or 0, job.course_title)

        async def change(conn: BaseDBAsyncClient, group: GroupRow, items: Items) -> RunCounts:
            if enrol:
                return await _enrol_in(conn, course, items, compose, now)
            return await _unenrol_from(conn, course, items)

        return await self._apply_chunk(job, limit, now, change)

    async def apply_remove_chunk(self, job: BulkJob, *, limit: int, now: datetime) -> BulkJob:
        return await self._apply_chunk(job, limit, now, _remove)

    async def apply_progress_chunk(self, job: BulkJob, *, limit: int, now: datetime) -> BulkJob:
        async def progress(conn: BaseDBAsyncClient, group: GroupRow, items: Items) -> RunCounts:
            return await _progress(conn, group, items, now)

        return await self._apply_chunk(job, limit, now, progress)

    async def apply_delete_chunk(
        self,
        job: BulkJob,
        *,
        limit: int,
        keep: Collection[str],
        scope: Collection[int] | None,
        now: datetime,
    ) -> BulkJob:
        async def delete(conn: BaseDBAsyncClient, group: GroupRow, items: Items) -> RunCounts:
            gone = Gone(job, now)
            return await _delete(conn, items, frozenset(keep), scope, gone)

        return await self._apply_chunk(job, limit, now, delete)

    async def mark_outside(
        self, job_id: int, scope: Collection[int], problem: str, *, first: int
    ) -> tuple[int, tuple[str, ...]]:
        groups = list(scope) or [0]
        where = (
            f"i.job_id = ? AND i.problem = '' AND EXISTS (SELECT 1 FROM users u WHERE "
            f"u.email = i.email AND {_outside('u.id', len(groups))})"
        )
        async with in_transaction() as conn:
            named = await fetch(
                conn,
                f'SELECT i.email FROM bulk_job_items i WHERE {where} ORDER BY i."row" LIMIT ?',
                [job_id, *groups, *groups, first],
                _Email,
            )
            if not named:
                return 0, ()
            marked = await fetch_number(
                conn,
                f"SELECT COUNT(*) FROM bulk_job_items i WHERE {where}",
                [job_id, *groups, *groups],
            )
            await execute(
                conn,
                f"UPDATE bulk_job_items SET problem = ? WHERE id IN "
                f"(SELECT i.id FROM bulk_job_items i WHERE {where})",
                [problem, job_id, *groups, *groups],
            )
        return marked, tuple(r.email for r in named)

    async def _apply_chunk(self, job: BulkJob, limit: int, now: datetime, apply: Apply) -> BulkJob:
        """The next rows after the checkpoint, applied with the new checkpoint in one
        transaction; a chunk shorter than ``limit`` finishes the job."""
        async with in_transaction() as conn:
            row = await BulkJobRow.select_for_update().using_db(conn).get(id=job.id)
            if row.state != JobState.RUNNING.value or row.checkpoint != job.checkpoint:
                return await self._entity(job.id, conn)
            items = await fetch(
                conn,
                'SELECT id, "row", username, email, first_name, last_name, tags, problem, '
                'course, progress FROM bulk_job_items WHERE job_id = ? AND "row" > ? '
                'ORDER BY "row" LIMIT ?',
                [job.id, row.checkpoint, limit],
                Item,
            )
            counts = RunCounts(**row.results) if row.results else RunCounts()
            if items:
                group = await GroupRow.select_for_update().using_db(conn).get(id=row.group_id)
                counts = counts.plus(await apply(conn, group, items))
                await group.save(using_db=conn, update_fields=["updated_at"])
                await _row_events(conn, row, items, now)
                row.checkpoint = items[-1].row
                row.rows_done += len(items)
            row.results = asdict(counts)
            if len(items) < limit:
                clean = counts.skipped == 0 and counts.failed == 0
                finished = JobState.DONE if clean else JobState.DONE_WITH_ERRORS
                row.state = finished.value
                row.finished_at = now
                await _job_event(conn, job.id, finished, now)
            await row.save(
                using_db=conn,
                update_fields=["checkpoint", "rows_done", "results", "state", "finished_at"],
            )
        return await self._entity(job.id)

    async def results(
        self, job_id: int, *, after: int, limit: int, problems_only: bool
    ) -> list[ItemResult]:
        query = BulkJobItemRow.filter(job_id=job_id, row__gt=after)
        if problems_only:
            query = query.exclude(problem="")
        rows = await query.order_by("row").limit(limit)
        return [_result(r) for r in rows]

    async def user_ids(self, job_id: int, *, after: int, upto: int) -> list[int]:
        return await fetch_ids(
            None,
            "SELECT u.id FROM bulk_job_items i JOIN users u ON u.email = i.email "
            'WHERE i.job_id = ? AND i."row" > ? AND i."row" <= ?',
            [job_id, after, upto],
        )

    async def _entity(self, job_id: int, conn: BaseDBAsyncClient | None = None) -> BulkJob:
        row = (
            await BulkJobRow.filter(id=job_id)
            .using_db(conn)
            .prefetch_related("uploaded_by", "decided_by")
            .get()
        )
        return _job(row)


def _unreported() -> QuerySet[BulkJobRow]:
    """Jobs that ran and finished, whose summary and results are still owed to their thread."""
    return BulkJobRow.filter(state__in=_REPORTABLE, reported_at=None, thread_ts__not="").exclude(
        started_at=None
    )


async def _add(
    conn: BaseDBAsyncClient,
    group: GroupRow,
    items: Items,
    *,
    enrol: bool,
    compose: Compose,
    now: datetime,
    cause: Cause,
) -> RunCounts:
    """One chunk of an add-members job in a dozen statements, whatever its size."""
    ready = [i for i in items if not i.problem]
    known = await _user_ids(conn, [i.email for i in ready])
    members = await _member_ids(conn, group.id, list(known.values()))
    already = [i for i in ready if known.get(i.email) in members]
    joining = [i for i in ready if known.get(i.email) not in members]
    full: list[Item] = []
    if group.seat_limit is not None:
        seated = await MembershipRow.filter(group_id=group.id).using_db(conn).count()
        room = seats_left(group.seat_limit, seated) or 0
        joining, full = joining[:room], joining[room:]
    fresh = [i for i in joining if i.email not in known]
    await execute_many(
        conn,
        "INSERT INTO users (email, username, status, is_admin, created_at, first_name, "
        "last_name) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
        [_new_user(i, now) for i in fresh],
    )
    users = await _users(conn, [i.email for i in joining])
    await execute_many(
        conn,
        "INSERT INTO user_tags (user_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(users[i.email].id, tag) for i in fresh for tag in _tags(i.tags)],
    )
    await execute_many(
        conn,
        "INSERT INTO memberships (group_id, user_id, joined_at) VALUES (?, ?, ?)",
        [(group.id, users[i.email].id, now) for i in joining],
    )
    courses = await enrol_in_group_courses(
        conn, group.id, [users[i.email].id for i in joining], enrol, now, cause
    )
    created = {i.email for i in fresh}
    emails = [
        mail
        for i in joining
        for mail in compose(users[i.email], i.email in created, courses.get(users[i.email].id, []))
    ]
    await queue(emails, now, conn)
    outcomes = [(i.id, RowOutcome.CREATED, "") for i in joining if i.email in created]
    outcomes += [(i.id, RowOutcome.ADDED, "") for i in joining if i.email in known]
    outcomes += [(i.id, RowOutcome.ALREADY_MEMBER, "") for i in already]
    outcomes += [(i.id, RowOutcome.GROUP_FULL, str(group.seat_limit)) for i in full]
    await _record(conn, outcomes)
    return RunCounts(
        created=len(created),
        added=len(joining),
        already=len(already),
        enrolled=sum(len(c) for c in courses.values()),
        invited=sum(1 for m in emails if m.trigger is Trigger.INVITATION),
        skipped=len(items) - len(ready),
        failed=len(full),
    )


async def _remove(conn: BaseDBAsyncClient, group: GroupRow, items: Items) -> RunCounts:
    """One chunk of a remove-members job: the memberships end, the people stay."""
    ready = [i for i in items if not i.problem]
    known = await _user_ids(conn, [i.email for i in ready])
    members = await _member_ids(conn, group.id, list(known.values()))
    leaving = [i for i in ready if known.get(i.email) in members]
    staying = [i for i in ready if known.get(i.email) not in members]
    if leaving:
        ids = [known[i.email] for i in leaving]
        await execute(
            conn,
            f"DELETE FROM memberships WHERE group_id = ? AND user_id IN ({marks(len(ids))})",
            [group.id, *ids],
        )
    outcomes = [(i.id, RowOutcome.REMOVED, "") for i in leaving]
    outcomes += [(i.id, RowOutcome.NOT_A_MEMBER, "") for i in staying]
    await _record(conn, outcomes)
    return RunCounts(
        removed=len(leaving), not_members=len(staying), skipped=len(items) - len(ready)
    )


async def _enrol_in(
    conn: BaseDBAsyncClient, course: Course, items: Items, compose: Compose, now: datetime
) -> RunCounts:
    users = await _users(conn, [i.email for i in items])
    present = [i for i in items if i.email in users]
    have = await _enrolled_pairs(conn, [users[i.email].id for i in present], [course.id])
    fresh = [i for i in present if (users[i.email].id, course.id) not in have]
    await _insert_enrolments(conn, [(users[i.email].id, course.id) for i in fresh], now)
    await queue([m for i in fresh for m in compose(users[i.email], False, [course])], now, conn)
    enrolled = {i.id for i in fresh}
    outcomes = [(i.id, RowOutcome.ENROLLED, "") for i in fresh]
    outcomes += [(i.id, RowOutcome.ALREADY_ENROLLED, "") for i in present if i.id not in enrolled]
    outcomes += [(i.id, RowOutcome.GONE, "") for i in items if i.email not in users]
    await _record(conn, outcomes)
    return RunCounts(
        enrolled=len(fresh), already=len(present) - len(fresh), failed=len(items) - len(present)
    )


async def _unenrol_from(conn: BaseDBAsyncClient, course: Course, items: Items) -> RunCounts:
    users = await _users(conn, [i.email for i in items])
    have = await _enrolled_pairs(conn, [u.id for u in users.values()], [course.id])
    leaving = [i for i in items if i.email in users and (users[i.email].id, course.id) in have]
    if leaving:
        gone = [users[i.email].id for i in leaving]
        await execute(
            conn,
            f"DELETE FROM enrollments WHERE course_id = ? AND user_id IN ({marks(len(gone))})",
            [course.id, *gone],
        )
    left = {i.id for i in leaving}
    outcomes = [(i.id, RowOutcome.UNENROLLED, "") for i in leaving]
    outcomes += [(i.id, RowOutcome.WAS_NOT_ENROLLED, "") for i in items if i.id not in left]
    await _record(conn, outcomes)
    return RunCounts(removed=len(leaving), already=len(items) - len(leaving))


def _outside(user_id: str, count: int) -> str:
    """A condition on a user: not only in the ``count`` groups given as parameters
    (in none of them, or also in another), passed twice."""
    groups = marks(count)
    return (
        f"(NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = {user_id} "
        f"AND m.group_id IN ({groups})) OR EXISTS (SELECT 1 FROM memberships m "
        f"WHERE m.user_id = {user_id} AND m.group_id NOT IN ({groups})))"
    )


class Gone(NamedTuple):
    """The job deleting people, and when: their events are written before their rows go,
    so the events keep whom they concern."""

    job: BulkJob
    at: datetime

    def events(self, user_ids: Sequence[int]) -> list[SchoolEvent]:
        by = self.job.decided_by.id if self.job.decided_by else None
        cause = Cause.bulk(self.job.id, by)
        return [
            SchoolEvent(EventType.USER_DELETED, self.at, cause, i, self.job.group_id)
            for i in user_ids
        ]


async def _delete(
    conn: BaseDBAsyncClient,
    items: Items,
    keep: frozenset[str],
    scope: Collection[int] | None,
    gone: Gone,
) -> RunCounts:
    """One chunk of a delete-users job. Memberships, enrolments, invitations and
    activity go with each user (foreign keys cascade); sent emails stay, unlinked and
    naming a deleted user, as do their lines in the User action log.
    Admins are never deleted in bulk; with a ``scope``, nor is anyone whose groups
    are not all in it (they may have joined another group since the check)."""
    ready = [i for i in items if not i.problem]
    emails = [i.email for i in ready]
    found = await _deletable(conn, emails, scope) if emails else []
    admins = {r.email for r in found if kept_from_deletion(r.is_admin, r.slack_user_id, keep)}
    outside = {r.email for r in found if r.outside and r.email not in admins}
    doomed = {r.email: r.id for r in found if r.email not in admins | outside}
    if doomed:
        ids = list(doomed.values())
        await record(conn, gone.events(ids))
        await tombstone(conn, ids)
        await execute(conn, f"DELETE FROM users WHERE id IN ({marks(len(ids))})", ids)
    outcomes = [(i.id, RowOutcome.DELETED, "") for i in ready if i.email in doomed]
    outcomes += [(i.id, RowOutcome.ADMIN_KEPT, "") for i in ready if i.email in admins]
    outcomes += [(i.id, RowOutcome.OUTSIDE_KEPT, "") for i in ready if i.email in outside]
    absent = [i for i in ready if i.email not in {r.email for r in found}]
    outcomes += [(i.id, RowOutcome.NOT_IN_SCHOOL, "") for i in absent]
    await _record(conn, outcomes)
    return RunCounts(
        removed=len(doomed),
        not_members=len(absent),
        failed=len(admins),
        outside=len(outside),
        skipped=len(items) - len(ready),
    )


async def _deletable(
    conn: BaseDBAsyncClient, emails: list[str], scope: Collection[int] | None
) -> list[_Deletable]:
    """The users these emails name, each with whether they are outside ``scope``."""
    ids = list(scope or ()) or [0]
    outside = "0" if scope is None else f"CASE WHEN {_outside('u.id', len(ids))} THEN 1 ELSE 0 END"
    params = [] if scope is None else [*ids, *ids]
    return await fetch(
        conn,
        f"SELECT u.id, u.email, u.is_admin, u.slack_user_id, {outside} AS outside "
        f"FROM users u WHERE u.email IN ({marks(len(emails))})",
        [*params, *emails],
        _Deletable,
    )


async def _progress(
    conn: BaseDBAsyncClient, group: GroupRow, items: Items, now: datetime
) -> RunCounts:
    """One chunk of an update-progress job: a set value, as an admin's correction, so
    it may go down; 100 completes the course, and less reopens it."""
    ready = [i for i in items if not i.problem]
    known = await _user_ids(conn, [i.email for i in ready])
    members = await _member_ids(conn, group.id, list(known.values()))
    keys = sorted({title_key(i.course) for i in ready})
    courses = (
        {
            r.title_key: r.id
            for r in await fetch(
                conn,
                f"SELECT id, title_key FROM courses WHERE title_key IN ({marks(len(keys))})",
                keys,
                _CourseKey,
            )
        }
        if keys
        else {}
    )
    pairs = await _enrolled_pairs(conn, list(members), list(courses.values()))
    outcomes: list[Outcome] = []
    changes: list[tuple[int, bool, datetime, int, int]] = []
    for item in ready:
        user, course = known.get(item.email), courses.get(title_key(item.course))
        if user not in members:
            outcomes.append((item.id, RowOutcome.NOT_IN_GROUP, ""))
        elif course is None:
            outcomes.append((item.id, RowOutcome.NO_SUCH_COURSE, item.course))
        elif (user, course) not in pairs:
            outcomes.append((item.id, RowOutcome.NOT_ENROLLED, item.course))
        else:
            percent = int(item.progress)
            changes.append((percent, percent == 100, now, user, course))
            outcomes.append((item.id, RowOutcome.PROGRESS_SET, str(percent)))
    await execute_many(
        conn,
        "UPDATE enrollments SET progress = ?, completed_at = CASE WHEN ? "
        "THEN COALESCE(completed_at, ?) ELSE NULL END WHERE user_id = ? AND course_id = ?",
        changes,
    )
    await _record(conn, outcomes)
    return RunCounts(
        updated=len(changes),
        failed=len(ready) - len(changes),
        skipped=len(items) - len(ready),
    )


async def _enrolled_pairs(
    conn: BaseDBAsyncClient, user_ids: list[int], course_ids: list[int]
) -> set[tuple[int, int]]:
    """Which (user, course) pairs among these are enrolments already."""
    if not user_ids or not course_ids:
        return set()
    rows = await fetch(
        conn,
        "SELECT user_id, course_id FROM enrollments WHERE "
        f"user_id IN ({marks(len(user_ids))}) AND course_id IN ({marks(len(course_ids))})",
        [*user_ids, *course_ids],
        _Enrolment,
    )
    return {(r.user_id, r.course_id) for r in rows}


async def _insert_enrolments(
    conn: BaseDBAsyncClient, pairs: list[tuple[int, int]], now: datetime
) -> None:
    await execute_many(
        conn,
        "INSERT INTO enrollments (user_id, course_id, enrolled_at, progress) VALUES (?, ?, ?, 0)",
        [(user_id, course_id, now) for user_id, course_id in pairs],
    )


Outcome = tuple[int, RowOutcome, str]
"""(item id, what applying it did, the detail that outcome names)."""


async def _record(conn: BaseDBAsyncClient, outcomes: list[Outcome]) -> None:
    """Each row's outcome, for the file that ends the job's thread."""
    await execute_many(
        conn,
        "UPDATE bulk_job_items SET result = ? WHERE id = ?",
        [
            (f"{outcome.value}|{detail}" if detail else outcome.value, item_id)
            for item_id, outcome, detail in outcomes
        ],
    )


def _result(row: BulkJobItemRow) -> ItemResult:
    """A stored row's outcome read back; a row applied before outcomes were codes
    keeps its sentence as the detail."""
    staged = _staged(row)
    if row.problem or not row.result:
        return ItemResult(staged)
    code, _, detail = row.result.partition("|")
    try:
        return ItemResult(staged, RowOutcome(code), detail)
    except ValueError:
        return ItemResult(staged, None, row.result)


INVITED = UserStatus.INVITED.value


def _new_user(item: Item, now: datetime) -> tuple[object, ...]:
    names = (item.first_name, item.last_name)
    return (item.email, item.username, INVITED, False, now, *names)


def _tags(joined: str) -> list[str]:
    """A staged row's tags, which the check left as "a, b"."""
    return [tag for tag in joined.split(", ") if tag]


async def _user_ids(conn: BaseDBAsyncClient, emails: list[str]) -> dict[str, int]:
    if not emails:
        return {}
    rows = await fetch(
        conn, f"SELECT id, email FROM users WHERE email IN ({marks(len(emails))})", emails, _IdEmail
    )
    return {r.email: r.id for r in rows}


async def _member_ids(conn: BaseDBAsyncClient, group_id: int, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(
        await fetch_ids(
            conn,
            "SELECT user_id FROM memberships WHERE group_id = ? "
            f"AND user_id IN ({marks(len(user_ids))})",
            [group_id, *user_ids],
        )
    )


async def _users(conn: BaseDBAsyncClient, emails: list[str]) -> dict[str, User]:
    """The people a chunk adds, as much of them as their emails need."""
    if not emails:
        return {}
    rows = await fetch(
        conn,
        f"SELECT id, email, username, status FROM users WHERE email IN ({marks(len(emails))})",
        emails,
        _Person,
    )
    return {r.email: User(r.id, r.email, r.username, UserStatus(r.status)) for r in rows}


async def enrol_in_group_courses(
    conn: BaseDBAsyncClient,
    group_id: int,
    user_ids: list[int],
    enrol: bool,
    now: datetime,
    cause: Cause,
) -> dict[int, list[Course]]:
    """The group's courses each new member was not yet enrolled in, now enrolled, each
    enrolment an event (a course player following Roster learns of it)."""
    if not enrol or not user_ids:
        return {}
    offered = [
        Course(r.id, r.title)
        for r in await fetch(
            conn,
            "SELECT c.id, c.title FROM group_courses g JOIN courses c ON c.id = g.course_id "
            "WHERE g.group_id = ? ORDER BY c.title_key",
            [group_id],
            _CourseTitle,
        )
    ]
    if not offered:
        return {}
    have = await _enrolled_pairs(conn, user_ids, [c.id for c in offered])
    fresh = [(u, c) for u in user_ids for c in offered if (u, c.id) not in have]
    await _insert_enrolments(conn, [(u, course.id) for u, course in fresh], now)
    await record(
        conn,
        [SchoolEvent(EventType.ENROLLED, now, cause, u, group_id, c.id) for u, c in fresh],
    )
    enrolled: dict[int, list[Course]] = {}
    for user_id, course in fresh:
        enrolled.setdefault(user_id, []).append(course)
    return enrolled


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """Domain values as columns: options as JSON, a deciding user as its id."""
    fields = dict(values)
    if "options" in fields:
        fields["options"] = asdict(fields["options"])
    if "decided_by" in fields:
        fields["decided_by_id"] = fields.pop("decided_by")
    return fields


def _check_json(counts: CheckCounts) -> dict[str, Any]:
    data = asdict(counts)
    data["first_problems"] = [asdict(p) for p in counts.first_problems]
    return data


def _check(data: dict[str, Any]) -> CheckCounts:
    if not data:
        return CheckCounts()
    problems = tuple(RowProblem(**p) for p in data.get("first_problems", []))
    outside = tuple(data.get("first_outside", ()))
    return CheckCounts(**{**data, "first_problems": problems, "first_outside": outside})


def _staged(row: BulkJobItemRow) -> StagedRow:
    return StagedRow(
        row.row,
        row.username,
        row.email,
        row.first_name,
        row.last_name,
        row.tags,
        row.problem,
        row.course,
        row.progress,
    )


def _user(row: UserRow | None) -> User | None:
    return None if row is None else convert.user(row)


def _job(row: BulkJobRow) -> BulkJob:
    return BulkJob(
        id=row.id,
        kind=JobKind(row.kind),
        group_id=row.group_id,
        group_title=row.group_title,
        course_id=row.course_id,
        course_title=row.course_title,
        filename=row.filename,
        columns=tuple(row.columns.split(",")),
        state=JobState(row.state),
        uploaded_by=_user(row.uploaded_by),
        decided_by=_user(row.decided_by),
        options=JobOptions(**row.options) if row.options else JobOptions(),
        check=_check(row.counts),
        run=RunCounts(**row.results) if row.results else RunCounts(),
        rows_total=row.rows_total,
        rows_done=row.rows_done,
        checkpoint=row.checkpoint,
        reason=row.reason,
        channel=row.channel,
        thread_ts=row.thread_ts,
        progress_ts=row.progress_ts,
        created_at=row.created_at,
        decided_at=row.decided_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        reported_at=row.reported_at,
        notes=tuple(row.notes or ()),
        summary_ts=row.summary_ts,
        report_attempts=row.report_attempts,
        rows_pruned_at=row.rows_pruned_at,
    )


async def _job_event(conn: BaseDBAsyncClient, job_id: int, state: JobState, now: datetime) -> None:
    """A step of the job's life, by whoever took it: the uploader asks, an admin decides,
    the job finishes on the approver's behalf."""
    row = await BulkJobRow.get(id=job_id, using_db=conn)
    by = row.uploaded_by_id if state is JobState.PENDING else row.decided_by_id
    how = f"#{job_id} {row.kind} from {row.filename}"
    detail = f"{how}: {row.reason}" if row.reason else how
    event = SchoolEvent(
        JOB_STATES[state], now, Cause.hand(by), group_id=row.group_id, detail=detail
    )
    await record(conn, [event])


_PROGRESS = f"{RowOutcome.PROGRESS_SET.value}|"
_FROM_ROWS = [
    (o, t) for o, t in BULK_ROWS.items() if o not in (RowOutcome.DELETED, RowOutcome.PROGRESS_SET)
]
_ROW_TYPE = (
    "CASE "
    + " ".join(f"WHEN i.result = '{o.value}' THEN '{t.value}'" for o, t in _FROM_ROWS)
    + f" WHEN i.result = '{_PROGRESS}100' THEN '{EventType.COMPLETED.value}'"
    + f" ELSE '{BULK_ROWS[RowOutcome.PROGRESS_SET].value}' END"
)
_ROW_DETAIL = (
    f"CASE WHEN i.result = '{RowOutcome.CREATED.value}' THEN 'new to the school' "
    f"WHEN i.result LIKE '{_PROGRESS}%' "
    f"THEN i.course || ' ' || substr(i.result, {len(_PROGRESS) + 1}) || ' %' "
    "ELSE '' END"
)
_ROW_RESULTS = ", ".join(f"'{o.value}'" for o, _ in _FROM_ROWS)


async def _row_events(
    conn: BaseDBAsyncClient, job: BulkJobRow, items: Items, now: datetime
) -> None:
    """One event per person the chunk changed, in one INSERT … SELECT over the chunk's
    recorded outcomes: its cost does not grow with the statements the chunk ran."""
    await execute(
        conn,
        "INSERT INTO school_events (occurred_at, type, how, actor_id, user_id, group_id, "
        f"course_id, job_id, detail) SELECT ?, {_ROW_TYPE}, ?, ?, u.id, ?, ?, ?, {_ROW_DETAIL} "
        "FROM bulk_job_items i JOIN users u ON u.email = i.email "
        'WHERE i.job_id = ? AND i."row" >= ? AND i."row" <= ? '
        f"AND (i.result IN ({_ROW_RESULTS}) OR i.result LIKE '{_PROGRESS}%')",
        [
            now,
            How.BULK.value,
            job.decided_by_id,
            job.group_id,
            job.course_id,
            job.id,
            job.id,
            items[0].row,
            items[-1].row,
        ],
    )
