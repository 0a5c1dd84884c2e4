"""Certificates: issued inside the activity API's transaction, listed, revoked, verified."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from domain.certificates.model import Certificate, new_code, new_serial
from domain.certificates.service import AWARD_KEY
from domain.entities import Course, EventType, Page, Resolved, User
from domain.events.model import Cause, SchoolEvent
from domain.events.model import EventType as Kind
from storage.events import record
from storage.models import CertificateRow, MembershipRow, SchoolSettingRow, UserRow

PLAYER = "player"
COMPLETION = "completion"


class CertificateStore:
    async def page(
        self,
        group_id: int,
        course_id: int | None,
        *,
        search: str,
        offset: int,
        limit: int | None,
    ) -> Page[Certificate]:
        members = MembershipRow.filter(group_id=group_id).values("user_id")
        query = CertificateRow.filter(user_id__in=Subquery(members))
        if course_id is not None:
            query = query.filter(course_id=course_id)
        if search:
            query = query.filter(
                Q(serial__icontains=search)
                | Q(user__username__icontains=search)
                | Q(user__email__icontains=search)
            )
        total = await query.count()
        ordered = query.order_by("-issued_at", "-id").offset(offset)
        if limit is not None:
            ordered = ordered.limit(limit)
        rows = await ordered.prefetch_related("user", "course")
        return Page(tuple(_certificate(r) for r in rows), total, offset, limit or max(total, 1))

    async def get(self, certificate_id: int) -> Certificate | None:
        row = await CertificateRow.filter(id=certificate_id).prefetch_related("user", "course")
        return _certificate(row[0]) if row else None

    async def holder_groups(self, certificate_id: int) -> list[int]:
        holder = CertificateRow.filter(id=certificate_id).values("user_id")
        return cast(
            list[int],
            await MembershipRow.filter(user_id__in=Subquery(holder)).values_list(
                "group_id", flat=True
            ),
        )

    async def by_code(self, code: str) -> Certificate | None:
        row = await CertificateRow.filter(code=code).prefetch_related("user", "course")
        return _certificate(row[0]) if row else None

    async def of_user(self, user_id: int) -> list[Certificate]:
        rows = (
            await CertificateRow.filter(user_id=user_id)
            .order_by("-issued_at")
            .prefetch_related("user", "course")
        )
        return [_certificate(r) for r in rows]

    async def revoke(
        self, certificate_id: int, *, reason: str, by: int | None, now: datetime
    ) -> bool:
        who = await UserRow.filter(id=by).first() if by is not None else None
        async with in_transaction() as conn:
            moved = (
                await CertificateRow.filter(id=certificate_id, revoked_at=None)
                .using_db(conn)
                .update(
                    revoked_at=now,
                    revoked_reason=reason,
                    revoked_by_name=who.username if who else "",
                )
            )
            if moved:
                row = await CertificateRow.get(id=certificate_id, using_db=conn)
                revoked = SchoolEvent(
                    Kind.CERTIFICATE_REVOKED,
                    now,
                    Cause.hand(by),
                    row.user_id,
                    course_id=row.course_id,
                    detail=f"{row.serial}: {reason}",
                )
                await record(conn, [revoked])
        return bool(moved)


async def issue_certificates(
    batch: Sequence[Resolved],
    completed: Sequence[tuple[User, Course]],
    conn: BaseDBAsyncClient,
) -> list[CertificateRow]:
    """Inside the activity API's transaction: the player's ``certificate_issued``, and a
    certificate for each completion of a course an admin set to award one (once).
    Returns those issued."""
    rows = [
        _issued(
            r.user.id,
            r.course.id,
            str(r.event.details.get("certificate") or r.course.title),
            PLAYER,
            r.event.occurred_at,
            r.event.details.get("expires_at"),
        )
        for r in batch
        if r.event.type is EventType.CERTIFICATE_ISSUED and r.course is not None
    ]
    if completed:
        setting = await SchoolSettingRow.filter(key=AWARD_KEY).using_db(conn).first()
        awarding = set(setting.value) if setting else set()
        when = {(r.user.id, r.course.id): r.event.occurred_at for r in batch if r.course}
        for user, course in completed:
            if (
                course.id in awarding
                and not await CertificateRow.filter(
                    user_id=user.id, course_id=course.id, source=COMPLETION
                )
                .using_db(conn)
                .exists()
            ):
                moment = when.get((user.id, course.id))
                rows.append(_issued(user.id, course.id, course.title, COMPLETION, moment, None))
    if rows:
        await CertificateRow.bulk_create(rows, using_db=conn)
    return rows


def _issued(
    user_id: int,
    course_id: int,
    title: str,
    source: str,
    at: datetime | None,
    expires: object,
) -> CertificateRow:
    return CertificateRow(
        serial=new_serial(),
        code=new_code(),
        user_id=user_id,
        course_id=course_id,
        title=title[:100],
        source=source,
        issued_at=at,
        expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
    )


def _certificate(row: CertificateRow) -> Certificate:
    return Certificate(
        id=row.id,
        serial=row.serial,
        code=row.code,
        holder_name=row.user.username,
        holder_email=row.user.email,
        course_title=row.course.title,
        title=row.title,
        source=row.source,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        revoked_by_name=row.revoked_by_name,
    )
