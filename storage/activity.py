"""Activity events and what they change: sign-ins, progress, completions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.entities import Course, EventType, Resolved, User, UserStatus
from domain.events.model import PLAYER, SchoolEvent, passed
from domain.events.model import EventType as Kind
from domain.letters import OutgoingEmail
from storage.certificates import issue_certificates
from storage.events import record
from storage.grading import record_submissions
from storage.models import ActivityEventRow, CertificateRow, EnrollmentRow, UserRow
from storage.outbox import queue

CompletionEmails = Callable[[User, Course], list[OutgoingEmail]]


class ActivityStore:
    async def record(
        self, batch: Sequence[Resolved], emails: CompletionEmails, now: datetime
    ) -> set[str]:
        """Stores the events not seen before and applies them, in one transaction.

        Returns the ids that were new. A concurrent batch carrying the same id
        makes the insert fail; the retry then sees it as seen and skips it.
        """
        try:
            return await self._record(batch, emails, now)
        except IntegrityError:
            return await self._record(batch, emails, now)

    async def _record(
        self, batch: Sequence[Resolved], emails: CompletionEmails, now: datetime
    ) -> set[str]:
        async with in_transaction() as conn:
            ids = [r.event.event_id for r in batch]
            seen = set(
                cast(
                    list[str],
                    await ActivityEventRow.filter(event_id__in=ids)
                    .using_db(conn)
                    .values_list("event_id", flat=True),
                )
            )
            fresh = sorted(
                (r for r in batch if r.event.event_id not in seen),
                key=lambda r: r.event.occurred_at,
            )
            if not fresh:
                return set()
            await ActivityEventRow.bulk_create(
                [
                    ActivityEventRow(
                        event_id=r.event.event_id,
                        type=r.event.type.value,
                        user_id=r.user.id,
                        course_id=r.course.id if r.course else None,
                        payload={"percent": r.event.percent, **r.event.details},
                        occurred_at=r.event.occurred_at,
                    )
                    for r in fresh
                ],
                using_db=conn,
            )
            await _sign_ins(fresh, conn)
            await record_submissions(fresh, conn)
            completed, milestones = await _progress(fresh, now, conn)
            issued = await issue_certificates(fresh, completed, conn)
            await queue([m for user, course in completed for m in emails(user, course)], now, conn)
            await record(conn, [*_reported(fresh), *milestones, *_awarded(issued)])
        return {r.event.event_id for r in fresh}


async def _sign_ins(batch: Sequence[Resolved], conn: BaseDBAsyncClient) -> None:
    latest: dict[int, datetime] = {}
    for r in batch:
        if r.event.type is EventType.SIGN_IN:
            latest[r.user.id] = max(latest.get(r.user.id, r.event.occurred_at), r.event.occurred_at)
    for user_id, moment in latest.items():
        row = await UserRow.get(id=user_id, using_db=conn)
        if row.last_login_at is None or row.last_login_at < moment:
            row.last_login_at = moment
        if row.status == UserStatus.INVITED.value:
            row.status = UserStatus.ACTIVE.value
        await row.save(using_db=conn, update_fields=["last_login_at", "status"])


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
    rows = await EnrollmentRow.filter(
        user_id__in={r.user.id for r in moving},
        course_id__in={r.course.id for r in moving if r.course},
    ).using_db(conn)
    enrollments = {(e.user_id, e.course_id): e for e in rows}
    created, changed, completed = [], {}, []
    events: list[SchoolEvent] = []
    for r in moving:
        assert r.course is not None and r.event.percent is not None
        key = (r.user.id, r.course.id)
        enrollment = enrollments.get(key)
        if enrollment is None:
            enrollment = EnrollmentRow(user_id=r.user.id, course_id=r.course.id, enrolled_at=now)
            enrollments[key] = enrollment
            created.append(enrollment)
        if enrollment.progress_reset_at and r.event.occurred_at < enrollment.progress_reset_at:
            continue
        before = enrollment.progress or 0
        enrollment.progress = max(before, r.event.percent)
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
            for mark in passed(before, enrollment.progress)
        ]
        if r.event.type is EventType.COURSE_COMPLETED and enrollment.completed_at is None:
            enrollment.completed_at = r.event.occurred_at
            completed.append((r.user, r.course))
            events.append(
                SchoolEvent(
                    Kind.COMPLETED, r.event.occurred_at, PLAYER, r.user.id, None, r.course.id
                )
            )
        if enrollment not in created:
            changed[key] = enrollment
    await EnrollmentRow.bulk_create(created, using_db=conn)
    if changed:
        await EnrollmentRow.bulk_update(
            list(changed.values()), fields=["progress", "completed_at"], using_db=conn
        )
    return completed, events
