"""Groups with their courses, managers and member counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from domain.entities import Course, Group, Page, User
from domain.errors import CourseNotFound, DomainError, GroupNotFound, TitleTaken, UserNotFound
from storage import convert
from storage.models import (
    CourseRow,
    GroupCourseRow,
    GroupManagerRow,
    GroupRow,
    MembershipRow,
    UserRow,
)
from storage.permissions import grant_defaults_to_new_managers


class GroupStore:
    async def get(self, group_id: int) -> Group | None:
        row = await GroupRow.get_or_none(id=group_id)
        return (await _hydrate([row]))[0] if row else None

    async def find_by_key(self, key: str) -> Group | None:
        row = await GroupRow.get_or_none(title_key=key)
        return (await _hydrate([row]))[0] if row else None

    async def titles(self, group_ids: Collection[int] | None) -> list[str]:
        query = GroupRow.all() if group_ids is None else GroupRow.filter(id__in=list(group_ids))
        return cast(list[str], await query.values_list("title", flat=True))

    async def create(
        self,
        *,
        title: str,
        key: str,
        description: str,
        seat_limit: int | None,
        course_ids: Collection[int],
        manager_ids: Collection[int],
        changed_by: int | None,
    ) -> Group:
        try:
            async with in_transaction() as conn:
                row = await GroupRow.create(
                    title=title,
                    title_key=key,
                    description=description,
                    seat_limit=seat_limit,
                    using_db=conn,
                )
                await GroupCourseRow.bulk_create(
                    [GroupCourseRow(group_id=row.id, course_id=c) for c in set(course_ids)],
                    using_db=conn,
                )
                await GroupManagerRow.bulk_create(
                    [GroupManagerRow(group_id=row.id, user_id=u) for u in set(manager_ids)],
                    using_db=conn,
                )
                await grant_defaults_to_new_managers(manager_ids, title, changed_by, conn)
        except IntegrityError:
            raise await _refusal(title, key, course_ids, manager_ids) from None
        return await self._require(row.id)

    async def update(
        self,
        group_id: int,
        *,
        title: str,
        key: str,
        description: str,
        seat_limit: int | None,
    ) -> Group:
        row = await GroupRow.get_or_none(id=group_id)
        if row is None:
            raise GroupNotFound(f"#{group_id}")
        row.title, row.title_key = title, key
        row.description, row.seat_limit = description, seat_limit
        try:
            await row.save()
        except IntegrityError:
            raise await _refusal(title, key, (), ()) from None
        return await self._require(group_id)

    async def delete(self, group_id: int) -> None:
        await GroupRow.filter(id=group_id).delete()

    async def page(
        self, *, group_ids: Collection[int] | None, offset: int, limit: int
    ) -> Page[Group]:
        query = GroupRow.all() if group_ids is None else GroupRow.filter(id__in=list(group_ids))
        total = await query.count()
        rows = await query.order_by("title_key").offset(offset).limit(limit)
        return Page(tuple(await _hydrate(rows)), total=total, offset=offset, limit=limit)

    async def set_courses(self, group_id: int, course_ids: Collection[int]) -> Group:
        try:
            async with in_transaction() as conn:
                await _touch(group_id, conn)
                await GroupCourseRow.filter(group_id=group_id).using_db(conn).delete()
                await GroupCourseRow.bulk_create(
                    [GroupCourseRow(group_id=group_id, course_id=c) for c in set(course_ids)],
                    using_db=conn,
                )
        except IntegrityError:
            raise await _refusal("", "", course_ids, ()) from None
        return await self._require(group_id)

    async def set_managers(
        self, group_id: int, user_ids: Collection[int], *, changed_by: int | None
    ) -> Group:
        try:
            async with in_transaction() as conn:
                row = await _touch(group_id, conn)
                await GroupManagerRow.filter(group_id=group_id).using_db(conn).delete()
                await GroupManagerRow.bulk_create(
                    [GroupManagerRow(group_id=group_id, user_id=u) for u in set(user_ids)],
                    using_db=conn,
                )
                await grant_defaults_to_new_managers(user_ids, row.title, changed_by, conn)
        except IntegrityError:
            raise await _refusal("", "", (), user_ids) from None
        return await self._require(group_id)

    async def _require(self, group_id: int) -> Group:
        group = await self.get(group_id)
        if group is None:
            raise GroupNotFound(f"#{group_id}")
        return group


async def _touch(group_id: int, conn: BaseDBAsyncClient) -> GroupRow:
    """Bumps ``updated_at`` so the dashboard shows when a group last changed; a group
    deleted meanwhile is :class:`GroupNotFound`."""
    row = await GroupRow.get_or_none(id=group_id, using_db=conn)
    if row is None:
        raise GroupNotFound(f"#{group_id}")
    await row.save(using_db=conn, update_fields=["updated_at"])
    return row


async def _refusal(
    title: str, key: str, course_ids: Collection[int], user_ids: Collection[int]
) -> DomainError:
    """What a refused write meant: a title in use, or a course or person that was
    deleted while the form was open. The database's own error never leaves storage."""
    existing = await GroupRow.get_or_none(title_key=key) if key else None
    if existing is not None:
        return TitleTaken("group", title, existing.title, existing.id)
    known = set(
        cast(
            list[int], await CourseRow.filter(id__in=list(course_ids)).values_list("id", flat=True)
        )
    )
    gone = [c for c in course_ids if c not in known]
    if gone:
        return CourseNotFound(f"#{gone[0]}")
    people = set(
        cast(list[int], await UserRow.filter(id__in=list(user_ids)).values_list("id", flat=True))
    )
    missing = [u for u in user_ids if u not in people]
    return UserNotFound(f"#{missing[0]}" if missing else "?")


async def _hydrate(rows: list[GroupRow]) -> list[Group]:
    """Three queries for any number of groups: courses, managers, member counts."""
    ids = [r.id for r in rows]
    courses: dict[int, list[Course]] = defaultdict(list)
    for link in await GroupCourseRow.filter(group_id__in=ids).prefetch_related("course"):
        courses[link.group_id].append(convert.course(link.course))
    managers: dict[int, list[User]] = defaultdict(list)
    for manager in await GroupManagerRow.filter(group_id__in=ids).prefetch_related("user"):
        managers[manager.group_id].append(convert.user(manager.user))
    counts = dict(
        await MembershipRow.filter(group_id__in=ids)
        .annotate(n=Count("id"))
        .group_by("group_id")
        .values_list("group_id", "n")
    )
    return [
        Group(
            id=r.id,
            title=r.title,
            description=r.description,
            seat_limit=r.seat_limit,
            created_at=r.created_at,
            updated_at=r.updated_at,
            courses=tuple(sorted(courses[r.id], key=lambda c: c.title.casefold())),
            managers=tuple(sorted(managers[r.id], key=lambda u: u.email)),
            member_count=int(counts.get(r.id, 0)),
        )
        for r in rows
    ]
