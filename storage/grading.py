"""Assessments, submissions and the history of every grade."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.entities import EventType, Page, Resolved, User, UserStatus
from domain.events.model import Cause, SchoolEvent
from domain.events.model import EventType as Kind
from domain.grading.model import (
    Assessment,
    Cell,
    Gradebook,
    GradebookRow,
    GradeChange,
    GradeChangeKind,
    Grading,
    Regrade,
    Submission,
    SubmissionState,
)
from domain.letters import OutgoingEmail
from storage import convert
from storage.events import record
from storage.models import (
    AssessmentRow,
    GradeChangeRow,
    GroupCourseRow,
    MembershipRow,
    SubmissionRow,
    UserRow,
)
from storage.outbox import queue as queue_emails
from storage.sql import fetch

DEFAULT_MAX_SCORE = 100.0
"""When the player names an assessment without its maximum score."""


class GradingStore:
    async def queue(
        self, group_ids: Collection[int] | None, *, offset: int, limit: int
    ) -> Page[Submission]:
        pending = SubmissionRow.filter(state=SubmissionState.PENDING.value)
        if group_ids is not None:
            learners = MembershipRow.filter(group_id__in=list(group_ids)).values("user_id")
            pending = pending.filter(user_id__in=Subquery(learners))
        total = await pending.count()
        rows = await _loaded(pending.order_by("submitted_at", "id").offset(offset).limit(limit))
        groups = await _groups_of({r.user_id for r in rows})
        items = tuple(_submission(r, groups.get(r.user_id, frozenset())) for r in rows)
        return Page(items, total, offset, limit)

    async def submission(self, submission_id: int) -> Submission | None:
        rows = await _loaded(SubmissionRow.filter(id=submission_id))
        if not rows:
            return None
        groups = await _groups_of({rows[0].user_id})
        return _submission(rows[0], groups.get(rows[0].user_id, frozenset()))

    async def claim(self, submission_id: int, user_id: int | None, now: datetime) -> bool:
        pending = SubmissionRow.filter(id=submission_id, state=SubmissionState.PENDING.value)
        free = await pending.filter(claimed_by_id=None).update(
            claimed_by_id=user_id, claimed_at=now
        )
        return bool(free) or await pending.filter(claimed_by_id=user_id).exists()

    async def unclaim(self, submission_id: int, user_id: int) -> bool:
        freed = await SubmissionRow.filter(
            id=submission_id, state=SubmissionState.PENDING.value, claimed_by_id=user_id
        ).update(claimed_by_id=None, claimed_at=None)
        return bool(freed)

    async def grade(self, grading: Grading) -> bool:
        state = SubmissionState.RELEASED if grading.release else SubmissionState.GRADED
        async with in_transaction() as conn:
            row = (
                await SubmissionRow.filter(
                    id=grading.submission_id, state=SubmissionState.PENDING.value
                )
                .using_db(conn)
                .first()
            )
            if row is None:
                return False
            moved = (
                await SubmissionRow.filter(id=row.id, state=SubmissionState.PENDING.value)
                .using_db(conn)
                .update(
                    score=grading.score,
                    feedback=grading.feedback,
                    state=state.value,
                    graded_by_id=grading.by,
                    graded_at=grading.at,
                    claimed_by_id=None,
                    claimed_at=None,
                )
            )
            if not moved:
                return False
            name = await _name(grading.by, conn)
            changes = [
                GradeChangeRow(
                    submission_id=row.id,
                    change=GradeChangeKind.GRADED.value,
                    before=row.score,
                    after=grading.score,
                    by_id=grading.by,
                    by_name=name,
                    at=grading.at,
                )
            ]
            if grading.release:
                changes.append(
                    GradeChangeRow(
                        submission_id=row.id,
                        change=GradeChangeKind.RELEASED.value,
                        before=grading.score,
                        after=grading.score,
                        by_id=grading.by,
                        by_name=name,
                        at=grading.at,
                    )
                )
            await GradeChangeRow.bulk_create(changes, using_db=conn)
            await queue_emails(grading.emails, grading.at, conn)
            kinds = [Kind.ASSESSMENT_GRADED] + ([Kind.GRADE_RELEASED] if grading.release else [])
            await _events(conn, row, kinds, by=grading.by, at=grading.at, score=grading.score)
        return True

    async def graded(
        self, group_ids: Collection[int] | None, *, offset: int, limit: int
    ) -> Page[Submission]:
        done = SubmissionRow.filter(
            state__in=[SubmissionState.GRADED.value, SubmissionState.RELEASED.value]
        )
        if group_ids is not None:
            learners = MembershipRow.filter(group_id__in=list(group_ids)).values("user_id")
            done = done.filter(user_id__in=Subquery(learners))
        total = await done.count()
        rows = await _loaded(done.order_by("-graded_at", "-id").offset(offset).limit(limit))
        groups = await _groups_of({r.user_id for r in rows})
        items = tuple(_submission(r, groups.get(r.user_id, frozenset())) for r in rows)
        return Page(items, total, offset, limit)

    async def regrade(self, regrade: Regrade, *, states: Collection[SubmissionState]) -> bool:
        reset = regrade.kind is GradeChangeKind.RESET
        changes: dict[str, object] = (
            {"state": SubmissionState.RESET.value, "claimed_by_id": None, "claimed_at": None}
            if reset
            else {
                "score": regrade.score,
                "feedback": regrade.feedback,
                "graded_by_id": regrade.by,
                "graded_at": regrade.at,
            }
        )
        async with in_transaction() as conn:
            moved = (
                await SubmissionRow.filter(
                    id=regrade.submission_id, state__in=[s.value for s in states]
                )
                .using_db(conn)
                .update(**changes)
            )
            if not moved:
                return False
            await GradeChangeRow.create(
                submission_id=regrade.submission_id,
                change=regrade.kind.value,
                before=regrade.before,
                after=regrade.score,
                by_id=regrade.by,
                by_name=await _name(regrade.by, conn),
                at=regrade.at,
                reason=regrade.reason,
                using_db=conn,
            )
            await queue_emails(regrade.emails, regrade.at, conn)
        return True

    async def gradebook(
        self, group_id: int, course_ids: Collection[int] | None, *, offset: int, limit: int | None
    ) -> Gradebook:
        courses = list(course_ids) if course_ids is not None else await _courses_of(group_id)
        assessments = (
            await AssessmentRow.filter(course_id__in=courses)
            .order_by("course_id", "created_at", "id")
            .prefetch_related("course")
        )
        total = await MembershipRow.filter(group_id=group_id).count()
        users = await _members(group_id, offset, limit)
        ids = None if limit is None else [u.id for u in users]
        cells = await _cells(group_id, ids, [a.id for a in assessments])
        rows = tuple(GradebookRow(u, cells.get(u.id, {})) for u in users)
        shown = tuple(_assessment_of(a) for a in assessments)
        return Gradebook(shown, Page(rows, total, offset, limit or max(total, 1)))

    async def of_learner(self, group_id: int, user_id: int) -> list[Submission]:
        if not await MembershipRow.filter(group_id=group_id, user_id=user_id).exists():
            return []
        courses = await _courses_of(group_id)
        rows = await _loaded(
            SubmissionRow.filter(user_id=user_id, assessment__course_id__in=courses).order_by(
                "assessment_id", "attempt"
            )
        )
        groups = await _groups_of({user_id})
        return [_submission(r, groups.get(user_id, frozenset())) for r in rows]

    async def unreleased(
        self, assessment_id: int, group_ids: Collection[int] | None
    ) -> list[Submission]:
        graded = SubmissionRow.filter(
            assessment_id=assessment_id, state=SubmissionState.GRADED.value
        )
        if group_ids is not None:
            learners = MembershipRow.filter(group_id__in=list(group_ids)).values("user_id")
            graded = graded.filter(user_id__in=Subquery(learners))
        rows = await _loaded(graded.order_by("id"))
        return [_submission(r, frozenset()) for r in rows]

    async def release(
        self, emails: Mapping[int, Sequence[OutgoingEmail]], *, by: int | None, now: datetime
    ) -> list[Submission]:
        released: list[int] = []
        async with in_transaction() as conn:
            name = await _name(by, conn)
            for submission_id, letters in emails.items():
                row = (
                    await SubmissionRow.filter(id=submission_id, state=SubmissionState.GRADED.value)
                    .using_db(conn)
                    .first()
                )
                if row is None:
                    continue
                await (
                    SubmissionRow.filter(id=row.id)
                    .using_db(conn)
                    .update(state=SubmissionState.RELEASED.value)
                )
                await GradeChangeRow.create(
                    submission_id=row.id,
                    change=GradeChangeKind.RELEASED.value,
                    before=row.score,
                    after=row.score,
                    by_id=by,
                    by_name=name,
                    at=now,
                    using_db=conn,
                )
                await queue_emails(letters, now, conn)
                await _events(conn, row, [Kind.GRADE_RELEASED], by=by, at=now, score=row.score)
                released.append(row.id)
        rows = await _loaded(SubmissionRow.filter(id__in=released).order_by("id"))
        return [_submission(r, frozenset()) for r in rows]

    async def released_of(self, user_id: int) -> list[Submission]:
        rows = await _loaded(
            SubmissionRow.filter(user_id=user_id, state=SubmissionState.RELEASED.value).order_by(
                "-submitted_at"
            )
        )
        return [_submission(r, frozenset()) for r in rows]

    async def histories(self, submission_ids: Collection[int]) -> dict[int, list[GradeChange]]:
        rows = await GradeChangeRow.filter(submission_id__in=list(submission_ids)).order_by(
            "at", "id"
        )
        found: dict[int, list[GradeChange]] = {}
        for r in rows:
            found.setdefault(r.submission_id, []).append(_change(r))
        return found

    async def history(self, submission_id: int) -> list[GradeChange]:
        rows = await GradeChangeRow.filter(submission_id=submission_id).order_by("at", "id")
        return [
            GradeChange(GradeChangeKind(r.change), r.before, r.after, r.by_name, r.at, r.reason)
            for r in rows
        ]


async def record_submissions(batch: Sequence[Resolved], conn: BaseDBAsyncClient) -> None:
    """Inside the activity API's transaction: each ``assessment_submitted`` that names
    its assessment becomes the learner's next attempt, waiting for a grader when the
    player says it needs one; ``assessment_graded`` scores the latest attempt."""
    for item in batch:
        event, course = item.event, item.course
        key = event.details.get("assessment")
        if course is None or not key or event.type not in _ASSESSMENT_EVENTS:
            continue
        assessment = await _assessment(course.id, str(key), event.details, conn)
        latest = (
            await SubmissionRow.filter(assessment_id=assessment.id, user_id=item.user.id)
            .using_db(conn)
            .order_by("-attempt")
            .first()
        )
        score = event.details.get("score")
        if event.type is EventType.ASSESSMENT_GRADED and latest is not None:
            await _scored(latest, score, event.occurred_at, conn)
            continue
        review = bool(event.details.get("needs_review", assessment.needs_review))
        state = SubmissionState.PENDING if review else SubmissionState.RELEASED
        row = await SubmissionRow.create(
            assessment_id=assessment.id,
            user_id=item.user.id,
            attempt=(latest.attempt if latest else 0) + 1,
            submitted_at=event.occurred_at,
            responses=str(event.details.get("responses", "")),
            auto_score=score,
            score=None if review else score,
            state=state.value,
            graded_at=None if review else event.occurred_at,
            using_db=conn,
        )
        if not review:
            await _history(row, GradeChangeKind.SCORED, None, score, event.occurred_at, conn)


_ASSESSMENT_EVENTS = (EventType.ASSESSMENT_SUBMITTED, EventType.ASSESSMENT_GRADED)


async def _assessment(
    course_id: int, key: str, details: Mapping[str, Any], conn: BaseDBAsyncClient
) -> AssessmentRow:
    """The course's assessment with the player's id, created the first time it is named;
    a maximum the player sends later updates it."""
    row = await AssessmentRow.filter(course_id=course_id, key=key).using_db(conn).first()
    maximum = details.get("max_score")
    mark = details.get("pass_mark")
    if row is None:
        return await AssessmentRow.create(
            course_id=course_id,
            key=key,
            title=str(details.get("title") or key),
            kind=str(details.get("kind") or "assignment"),
            max_score=float(maximum) if isinstance(maximum, int | float) else DEFAULT_MAX_SCORE,
            pass_mark=float(mark) if isinstance(mark, int | float) else None,
            needs_review=bool(details.get("needs_review", False)),
            using_db=conn,
        )
    if isinstance(maximum, int | float):
        row.max_score = float(maximum)
    if isinstance(mark, int | float):
        row.pass_mark = float(mark)
    await row.save(using_db=conn, update_fields=["max_score", "pass_mark"])
    return row


async def _scored(row: SubmissionRow, score: object, at: datetime, conn: BaseDBAsyncClient) -> None:
    if not isinstance(score, int | float):
        return
    before = row.score
    row.auto_score, row.score = float(score), float(score)
    if row.state == SubmissionState.PENDING.value:
        row.state = SubmissionState.RELEASED.value
    row.graded_at = at
    await row.save(using_db=conn, update_fields=["auto_score", "score", "state", "graded_at"])
    await _history(row, GradeChangeKind.SCORED, before, float(score), at, conn)


async def _history(
    row: SubmissionRow,
    kind: GradeChangeKind,
    before: object,
    after: object,
    at: datetime,
    conn: BaseDBAsyncClient,
) -> None:
    await GradeChangeRow.create(
        submission_id=row.id,
        change=kind.value,
        before=before if isinstance(before, int | float) else None,
        after=after if isinstance(after, int | float) else None,
        by_name="course player",
        at=at,
        using_db=conn,
    )


def _change(row: GradeChangeRow) -> GradeChange:
    return GradeChange(
        GradeChangeKind(row.change), row.before, row.after, row.by_name, row.at, row.reason
    )


async def _courses_of(group_id: int) -> list[int]:
    ids = await GroupCourseRow.filter(group_id=group_id).values_list("course_id", flat=True)
    return cast(list[int], ids)


class _MemberRow(NamedTuple):
    id: int
    email: str
    username: str
    status: str
    slack_user_id: str | None


async def _members(group_id: int, offset: int, limit: int | None) -> list[User]:
    """The group's members by username, read as plain rows: an export reads tens of
    thousands, and the ORM's prefetch of each member's user grows faster than that."""
    page, params = (
        ("", [group_id]) if limit is None else (" LIMIT ? OFFSET ?", [group_id, limit, offset])
    )
    rows = await fetch(
        None,
        "SELECT u.id, u.email, u.username, u.status, u.slack_user_id FROM memberships m "
        "JOIN users u ON u.id = m.user_id WHERE m.group_id = ? ORDER BY u.username, u.id" + page,
        params,
        _MemberRow,
    )
    return [User(r.id, r.email, r.username, UserStatus(r.status), r.slack_user_id) for r in rows]


class _CellRow(NamedTuple):
    user_id: int
    assessment_id: int
    state: str
    score: float | None
    attempt: int
    pass_mark: float | None


async def _cells(
    group_id: int, user_ids: list[int] | None, assessment_ids: list[int]
) -> dict[int, dict[int, Cell]]:
    """Each learner's latest attempt not reset, per assessment: one statement, ordered
    so the last row of each pair is the one that counts. ``user_ids`` None: every member
    of the group (the export), read without building an ORM object per attempt."""
    if not assessment_ids or user_ids == []:
        return {}
    marks = ", ".join("?" for _ in assessment_ids)
    who = (
        "s.user_id IN (SELECT user_id FROM memberships WHERE group_id = ?)"
        if user_ids is None
        else f"s.user_id IN ({', '.join('?' for _ in user_ids)})"
    )
    rows = await fetch(
        None,
        "SELECT s.user_id, s.assessment_id, s.state, s.score, s.attempt, a.pass_mark "
        "FROM submissions s JOIN assessments a ON a.id = s.assessment_id "
        f"WHERE s.assessment_id IN ({marks}) AND {who} AND s.state <> ? "
        "ORDER BY s.attempt",
        [*assessment_ids, *([group_id] if user_ids is None else user_ids), "reset"],
        _CellRow,
    )
    cells: dict[int, dict[int, Cell]] = {}
    for row in rows:
        mark, score = row.pass_mark, row.score
        passed = None if score is None or mark is None else score >= mark
        cells.setdefault(row.user_id, {})[row.assessment_id] = Cell(
            SubmissionState(row.state), score, row.attempt, passed
        )
    return cells


def _assessment_of(row: AssessmentRow) -> Assessment:
    return Assessment(
        row.id, row.course_id, row.course.title, row.title, row.kind, row.max_score, row.pass_mark
    )


async def _name(user_id: int | None, conn: BaseDBAsyncClient) -> str:
    if user_id is None:
        return ""
    row = await UserRow.filter(id=user_id).using_db(conn).first()
    return row.username if row else ""


async def _loaded(query: QuerySet[SubmissionRow]) -> list[SubmissionRow]:
    return await query.prefetch_related("assessment__course", "user", "claimed_by")


async def _groups_of(user_ids: set[int]) -> dict[int, frozenset[int]]:
    if not user_ids:
        return {}
    rows = await MembershipRow.filter(user_id__in=list(user_ids)).values_list("user_id", "group_id")
    found: dict[int, set[int]] = {}
    for user_id, group_id in rows:
        found.setdefault(user_id, set()).add(group_id)
    return {k: frozenset(v) for k, v in found.items()}


def _submission(row: SubmissionRow, groups: frozenset[int]) -> Submission:
    assessment = row.assessment
    claimer = row.claimed_by
    return Submission(
        id=row.id,
        learner=convert.user(row.user),
        course_title=assessment.course.title,
        assessment_id=assessment.id,
        assessment_title=assessment.title,
        max_score=assessment.max_score,
        pass_mark=assessment.pass_mark,
        attempt=row.attempt,
        submitted_at=row.submitted_at,
        responses=row.responses,
        auto_score=row.auto_score,
        score=row.score,
        feedback=row.feedback,
        state=SubmissionState(row.state),
        claimed_by=row.claimed_by_id,
        claimed_by_name=claimer.username if claimer else "",
        claimed_by_slack=claimer.slack_user_id if claimer else None,
        group_ids=groups,
        graded_at=row.graded_at,
    )


async def _events(
    conn: BaseDBAsyncClient,
    row: SubmissionRow,
    kinds: Sequence[Kind],
    *,
    by: int | None,
    at: datetime,
    score: float | None,
) -> None:
    """A grader's decision on one submission as school events, naming the assessment."""
    assessment = await AssessmentRow.get(id=row.assessment_id, using_db=conn)
    detail = assessment.title if score is None else f"{assessment.title}: {score:g}"
    await record(
        conn,
        [
            SchoolEvent(
                kind, at, Cause.hand(by), row.user_id, course_id=assessment.course_id, detail=detail
            )
            for kind in kinds
        ],
    )
