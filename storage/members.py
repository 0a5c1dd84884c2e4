"""Memberships and the enrolments that come with them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from tortoise.transactions import in_transaction

from domain.entities import Course, Joined, Leaving, MemberRow, Page, User, UserStatus
from domain.errors import GroupNotFound
from domain.events.model import Cause, EventType, SchoolEvent, joining
from domain.groups import seats_left
from domain.ports.hooks import Compose
from domain.rules.model import Rule
from storage import convert
from storage.events import record
from storage.models import (
    EnrollmentRow,
    GroupCourseRow,
    GroupRow,
    MembershipRow,
    UserRow,
)
from storage.outbox import queue
from storage.rule_sql import compile_rule, on_postgres
from storage.sql import fetch_ids, fetch_number


class MemberStore:
    async def add(
        self, *, group_id: int, email: str, username: str, compose: Compose, cause: Cause
    ) -> Joined:
        async with in_transaction() as conn:
            group = await GroupRow.select_for_update().using_db(conn).get_or_none(id=group_id)
            if group is None:
                raise GroupNotFound(f"#{group_id}")
            user = await UserRow.get_or_none(email=email, using_db=conn)
            membership = MembershipRow.filter(group_id=group_id, user_id=user.id if user else 0)
            if user and await membership.using_db(conn).exists():
                return Joined(convert.user(user), already=True)
            members = await MembershipRow.filter(group_id=group_id).using_db(conn).count()
            if seats_left(group.seat_limit, members) == 0:
                return Joined(convert.user(user) if user else None, full=True)
            created = user is None
            if user is None:
                user = await UserRow.create(
                    email=email,
                    username=username,
                    status=UserStatus.INVITED.value,
                    using_db=conn,
                )
            await MembershipRow.create(group_id=group_id, user_id=user.id, using_db=conn)
            links = (
                await GroupCourseRow.filter(group_id=group_id)
                .using_db(conn)
                .prefetch_related("course")
            )
            have = set(
                cast(
                    list[int],
                    await EnrollmentRow.filter(user_id=user.id)
                    .using_db(conn)
                    .values_list("course_id", flat=True),
                )
            )
            new = [link.course for link in links if link.course_id not in have]
            kept = [link.course for link in links if link.course_id in have]
            await EnrollmentRow.bulk_create(
                [EnrollmentRow(user_id=user.id, course_id=c.id) for c in new], using_db=conn
            )
            await group.save(using_db=conn, update_fields=["updated_at"])
            courses = sorted(map(convert.course, new), key=lambda c: c.title.casefold())
            emails = compose(convert.user(user), created, courses)
            now = datetime.now(UTC)
            await queue(emails, now, conn)
            await record(conn, joining(cause, now, user.id, group_id, created, courses))
        existing = sorted(map(convert.course, kept), key=lambda c: c.title.casefold())
        return Joined(convert.user(user), created, enrolled=tuple(courses), kept=tuple(existing))

    async def remove(
        self, *, group_id: int, email: str, cause: Cause
    ) -> tuple[Leaving, User | None]:
        async with in_transaction() as conn:
            user = await UserRow.get_or_none(email=email, using_db=conn)
            if user is None:
                return Leaving.NOT_A_MEMBER, None
            membership = MembershipRow.filter(group_id=group_id, user_id=user.id)
            if await membership.filter(source="rule").using_db(conn).exists():
                return Leaving.BY_RULE, convert.user(user)
            if not await membership.using_db(conn).delete():
                return Leaving.NOT_A_MEMBER, convert.user(user)
            group = await GroupRow.get(id=group_id, using_db=conn)
            await group.save(using_db=conn, update_fields=["updated_at"])
            left = SchoolEvent(
                EventType.MEMBER_REMOVED, datetime.now(UTC), cause, user.id, group_id
            )
            await record(conn, [left])
        return Leaving.REMOVED, convert.user(user)

    async def member_emails(self, group_id: int, emails: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(emails), 5000):
            chunk = list(emails[start : start + 5000])
            rows = await UserRow.filter(
                memberships__group_id=group_id, email__in=chunk
            ).values_list("email", flat=True)
            found.update(str(e) for e in rows)
        return found

    async def never_signed_in(self, group_id: int) -> list[User]:
        rows = await UserRow.filter(
            memberships__group_id=group_id, last_login_at=None, password_hash=None
        ).order_by("email")
        return [convert.user(r) for r in rows]

    async def page(
        self, *, group_id: int, offset: int, limit: int, only: Rule | None = None, now: datetime
    ) -> Page[MemberRow]:
        """One page in a handful of queries, whatever the group's or the segment's size."""
        if only is None:
            query = MembershipRow.filter(group_id=group_id)
            total = await query.count()
            rows = (
                await query.order_by("joined_at", "id")
                .offset(offset)
                .limit(limit)
                .prefetch_related("user")
            )
        else:
            total, rows = await _segment_page(group_id, only, offset, limit, now)
        user_ids = [r.user_id for r in rows]
        current: dict[int, list[Course]] = defaultdict(list)
        enrollments = (
            await EnrollmentRow.filter(user_id__in=user_ids, completed_at__isnull=True)
            .prefetch_related("course")
            .order_by("course__title_key")
        )
        for enrollment in enrollments:
            current[enrollment.user_id].append(convert.course(enrollment.course))
        items = tuple(
            MemberRow(
                user=convert.user(r.user),
                joined_at=r.joined_at,
                courses=tuple(current[r.user_id]),
                by_rule=r.source == "rule",
            )
            for r in rows
        )
        return Page(items, total=total, offset=offset, limit=limit)


async def _segment_page(
    group_id: int, only: Rule, offset: int, limit: int, now: datetime
) -> tuple[int, list[MembershipRow]]:
    """The members who meet a segment's rule, counted and paged by the database with the
    rule's condition joined in: their ids never travel as one list, which PostgreSQL
    would refuse past 32,767 parameters."""
    where, params = compile_rule(only, postgres=on_postgres(), now=now)
    matching = (
        f"FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.group_id = ? AND {where}"
    )
    counted = await fetch_number(None, f"SELECT COUNT(*) {matching}", [group_id, *params])
    found = await fetch_ids(
        None,
        f"SELECT m.id {matching} ORDER BY m.joined_at, m.id LIMIT ? OFFSET ?",
        [group_id, *params, limit, offset],
    )
    rows = await MembershipRow.filter(id__in=found).prefetch_related("user")
    rows.sort(key=lambda r: found.index(r.id))
    return counted, rows
