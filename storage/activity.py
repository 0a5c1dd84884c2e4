"""Activity events and what they change: sign-ins, progress, completions."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.entities import Course, EventType, Resolved, User, UserStatus
from domain.events.model import PLAYER, SchoolEvent, passed
from domain.events.model import EventType as Kind
from domain.letters import OutgoingEmail
from storage.certificates import issue_certificates
from storage.events import record
from storage.grading import record_submissions
from storage.models import CertificateRow
from storage.outbox import queue
from storage.sql import execute_many, fetch, marks, moment

CompletionEmails = Callable[[User, Course], list[OutgoingEmail]]


class ActivityStore:
    async def record(
        self, batch: Sequence[Resolved], emails: CompletionEmails, now: datetime
    ) -> set[str]:
        """Stores the events not seen before and applies them, in one transaction, with a
        few set-based statements whatever the round's size (the ORM's per-row objects
        were most of the API's cost). Returns the ids that were new: an id already
        stored, by an earlier or a concurrent request, is skipped by the insert."""
        async with in_transaction() as conn:
            new = await _insert_new(batch, now, conn)
            fresh = sorted(
                (r for r in batch if r.event.event_id in new), key=lambda r: r.event.occurred_at
            )
            if not fresh:
                return set()
            await _sign_ins(fresh, conn)
            await record_submissions(fresh, conn)
            completed, milestones = await _progress(fresh, now, conn)
            issued = await issue_certificates(fresh, completed, conn)
            await queue([m for user, course in completed for m in emails(user, course)], now, conn)
            await record(conn, [*_reported(fresh), *milestones, *_awarded(issued)])
        return {r.event.event_id for r in fresh}


class _Seen(NamedTuple):
    event_id: str


class _Login(NamedTuple):
    id: int
    last_login_at: Any
    status: str


class _Enrolment(NamedTuple):
    id: int
    user_id: int
    course_id: int
    progress: int
    completed_at: Any
    progress_reset_at: Any


_INSERT_ROWS = 1000
"""Events per INSERT: 7,000 parameters, within both engines' limits."""


async def _insert_new(
    batch: Sequence[Resolved], now: datetime, conn: BaseDBAsyncClient
) -> set[str]:
    new: set[str] = set()
    for start in range(0, len(batch), _INSERT_ROWS):
        rows = [_activity_row(r, now) for r in batch[start : start + _INSERT_ROWS]]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
        found = await fetch(
            conn,
            "INSERT INTO activity_events (event_id, type, user_id, course_id, payload,"
            f" occurred_at, received_at) VALUES {values}"
            " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            [value for row in rows for value in row],
            _Seen,
        )
        new |= {row.event_id for row in found}
    return new


def _activity_row(r: Resolved, now: datetime) -> tuple[Any, ...]:
    return (
        r.event.event_id,
        r.event.type.value,
        r.user.id,
        r.course.id if r.course else None,
        json.dumps({"percent": r.event.percent, **r.event.details}),
        r.event.occurred_at,
        now,
    )


async def _sign_ins(batch: Sequence[Resolved], conn: BaseDBAsyncClient) -> None:
    """The latest sign-in of each person moves their last sign-in forward and makes an
    invited person active: one read and one write for the whole round."""
    latest: dict[int, datetime] = {}
    for r in batch:
        if r.event.type is EventType.SIGN_IN:
            latest[r.user.id] = max(latest.get(r.user.id, r.event.occurred_at), r.event.occurred_at)
    if not latest:
        return
    rows = await fetch(
        conn,
        f"SELECT id, last_login_at, status FROM users WHERE id IN ({marks(len(latest))})",
        list(latest),
        _Login,
    )
    changes = []
    for row in rows:
        before = moment(row.last_login_at)
        seen = latest[row.id] if before is None or before < latest[row.id] else before
        active = UserStatus.ACTIVE.value if row.status == UserStatus.INVITED.value else row.status
        changes.append((seen, active, row.id))
    await execute_many(conn, "UPDATE users SET last_login_at = ?, status = ? WHERE id = ?", changes)


def _reported(batch: Sequence[Resolved]) -> list[SchoolEvent]:
    """The school events the player's own reports are: sign-ins and assessments."""
    return [
        SchoolEvent(
            _REPORTED[r.event.type],
            r.event.occurred_at,
            PLAYER,
            r.user.id,
            course_id=r.course.id if r.course else None,
            detail=str(r.event.details.get("title") or r.event.details.get("assessment") or ""),
        )
        for r in batch
        if r.event.type in _REPORTED
    ]


_REPORTED = {
    EventType.SIGN_IN: Kind.SIGNED_IN,
    EventType.ASSESSMENT_SUBMITTED: Kind.ASSESSMENT_SUBMITTED,
    EventType.ASSESSMENT_GRADED: Kind.ASSESSMENT_GRADED,
}


def _awarded(issued: Sequence[CertificateRow]) -> list[SchoolEvent]:
    return [
        SchoolEvent(
            Kind.CERTIFICATE_ISSUED,
            c.issued_at,
            PLAYER,
            c.user_id,
            course_id=c.course_id,
            detail=c.serial,
        )
        for c in issued
    ]


async def _progress(
    batch: Sequence[Resolved], now: datetime, conn: BaseDBAsyncClient
) -> tuple[list[tuple[User, Course]], list[SchoolEvent]]:
    """Progress only moves forward; a completion is recorded once; what occurred before
    a manager reset the progress is ignored. Returns new completions, and the events of
    the milestones passed and courses completed."""
    moving = [r for r in batch if r.course is not None and r.event.percent is not None]
    if not moving:
        return [], []
    users = sorted({r.user.id for r in moving})
    courses = sorted({r.course.id for r in moving if r.course})
    rows = await fetch(
        conn,
        "SELECT id, user_id, course_id, progress, completed_at, progress_reset_at"
        f" FROM enrollments WHERE user_id IN ({marks(len(users))})"
        f" AND course_id IN ({marks(len(courses))})",
        [*users, *courses],
        _Enrolment,
    )
    state = {(e.user_id, e.course_id): _Progress.of(e) for e in rows}
    completed: list[tuple[User, Course]] = []
    events: list[SchoolEvent] = []
    for r in moving:
        assert r.course is not None and r.event.percent is not None
        key = (r.user.id, r.course.id)
        enrolment = state.setdefault(key, _Progress(None, 0, None, None))
        if enrolment.reset_at and r.event.occurred_at < enrolment.reset_at:
            continue
        before = enrolment.progress
        enrolment.progress = max(before, r.event.percent)
        enrolment.changed = True
        events += [
            SchoolEvent(
                Kind.PROGRESS,
                r.event.occurred_at,
                PLAYER,
                r.user.id,
                None,
                r.course.id,
                f"{mark} %",
            )
            for mark in passed(before, enrolment.progress)
        ]
        if r.event.type is EventType.COURSE_COMPLETED and enrolment.completed_at is None:
            enrolment.completed_at = r.event.occurred_at
            completed.append((r.user, r.course))
            events.append(
                SchoolEvent(
                    Kind.COMPLETED, r.event.occurred_at, PLAYER, r.user.id, None, r.course.id
                )
            )
    await _write_progress(state, now, conn)
    return completed, events


@dataclass
class _Progress:
    """One enrolment as a round changes it; ``id`` None for one the round creates."""

    id: int | None
    progress: int
    completed_at: datetime | None
    reset_at: datetime | None
    changed: bool = False

    @classmethod
    def of(cls, row: _Enrolment) -> _Progress:
        return cls(row.id, row.progress, moment(row.completed_at), moment(row.progress_reset_at))


async def _write_progress(
    state: dict[tuple[int, int], _Progress], now: datetime, conn: BaseDBAsyncClient
) -> None:
    """New enrolments (progress reported in a course nobody enrolled them in) and the
    changed ones, one statement each."""
    await execute_many(
        conn,
        "INSERT INTO enrollments (user_id, course_id, enrolled_at, progress, completed_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (user_id, course_id, now, e.progress, e.completed_at)
            for (user_id, course_id), e in state.items()
            if e.id is None
        ],
    )
    await execute_many(
        conn,
        "UPDATE enrollments SET progress = ?, completed_at = ? WHERE id = ?",
        [
            (e.progress, e.completed_at, e.id)
            for e in state.values()
            if e.id is not None and e.changed
        ],
    )
