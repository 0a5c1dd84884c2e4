"""Groups and the course catalogue, as storage/groups.py and storage/courses.py keep them."""

from __future__ import annotations

from collections.abc import Collection

from domain.entities import Course, Group, Page
from domain.errors import GroupNotFound, TitleTaken
from tests.fakes.permissions import grant_defaults_to_new_managers
from tests.fakes.tables import CourseRow, Database, GroupRow, IntegrityViolation, Tables


class FakeGroupStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, group_id: int) -> Group | None:
        return self._db.group(group_id) if group_id in self._db.tables.groups else None

    async def find_by_key(self, key: str) -> Group | None:
        row = self._by_key(key)
        return self._db.group(row.id) if row else None

    async def titles(self, group_ids: Collection[int] | None) -> list[str]:
        rows = self._db.tables.groups.values()
        return [r.title for r in rows if group_ids is None or r.id in group_ids]

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
        self._refuse_taken(title, key, except_id=None)
        with self._db.transaction() as t:
            now = self._db.clock()
            row = GroupRow(self._db.next_id(), title, key, description, seat_limit, now, now)
            t.groups[row.id] = row
            self._add_courses(row.id, course_ids)
            self._add_managers(row.id, manager_ids)
            grant_defaults_to_new_managers(self._db, manager_ids, title, changed_by)
        return self._db.group(row.id)

    async def update(
        self,
        group_id: int,
        *,
        title: str,
        key: str,
        description: str,
        seat_limit: int | None,
    ) -> Group:
        row = self._db.tables.groups.get(group_id)
        if row is None:
            raise GroupNotFound(f"#{group_id}")
        self._refuse_taken(title, key, except_id=group_id)
        row.title, row.key, row.description, row.seat_limit = title, key, description, seat_limit
        self._db.touch(group_id)
        return self._db.group(group_id)

    async def delete(self, group_id: int) -> None:
        """Its memberships, courses and managers go with it (``ON DELETE CASCADE``)."""
        t = self._db.tables
        t.groups.pop(group_id, None)
        t.group_courses = {(g, c) for g, c in t.group_courses if g != group_id}
        t.group_managers = {(g, u) for g, u in t.group_managers if g != group_id}
        t.memberships = {i: m for i, m in t.memberships.items() if m.group_id != group_id}

    async def page(
        self, *, group_ids: Collection[int] | None, offset: int, limit: int
    ) -> Page[Group]:
        rows = [
            r for r in self._db.tables.groups.values() if group_ids is None or r.id in group_ids
        ]
        rows.sort(key=lambda r: r.key)
        items = tuple(self._db.group(r.id) for r in rows[offset : offset + limit])
        return Page(items, total=len(rows), offset=offset, limit=limit)

    async def set_courses(self, group_id: int, course_ids: Collection[int]) -> Group:
        with self._db.transaction() as t:
            t.group_courses = {(g, c) for g, c in t.group_courses if g != group_id}
            self._add_courses(group_id, course_ids)
            self._db.touch(group_id)
        return self._db.group(group_id)

    async def set_managers(
        self, group_id: int, user_ids: Collection[int], *, changed_by: int | None
    ) -> Group:
        with self._db.transaction() as t:
            t.group_managers = {(g, u) for g, u in t.group_managers if g != group_id}
            self._add_managers(group_id, user_ids)
            self._db.touch(group_id)
            title = t.groups[group_id].title
            grant_defaults_to_new_managers(self._db, user_ids, title, changed_by)
        return self._db.group(group_id)

    def _by_key(self, key: str) -> GroupRow | None:
        return next((r for r in self._db.tables.groups.values() if r.key == key), None)

    def _refuse_taken(self, title: str, key: str, *, except_id: int | None) -> None:
        """The unique title key, turned into :class:`TitleTaken` as the real store does."""
        existing = self._by_key(key)
        if existing is not None and existing.id != except_id:
            raise TitleTaken("group", title, existing.title, existing.id)

    def _add_courses(self, group_id: int, course_ids: Collection[int]) -> None:
        """Refusing ids that name nothing, as the foreign keys would."""
        t = self._require(group_id)
        for course_id in course_ids:
            if course_id not in t.courses:
                raise IntegrityViolation(f"no course #{course_id}")
            t.group_courses.add((group_id, course_id))

    def _add_managers(self, group_id: int, user_ids: Collection[int]) -> None:
        t = self._require(group_id)
        for user_id in user_ids:
            if user_id not in t.users:
                raise IntegrityViolation(f"no user #{user_id}")
            t.group_managers.add((group_id, user_id))

    def _require(self, group_id: int) -> Tables:
        """A group that vanished meanwhile: the real store lets the ORM's error out."""
        if group_id not in self._db.tables.groups:
            raise IntegrityViolation(f"no group #{group_id}")
        return self._db.tables


class FakeCourseStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, *, title: str, key: str) -> Course:
        existing = await self.find_by_key(key)
        if existing is not None:
            raise TitleTaken("course", title, existing.title, existing.id)
        row = CourseRow(self._db.next_id(), title, key)
        self._db.tables.courses[row.id] = row
        return self._db.course(row.id)

    async def find_by_key(self, key: str) -> Course | None:
        rows = self._db.tables.courses.values()
        return next((self._db.course(r.id) for r in rows if r.key == key), None)

    async def get(self, course_id: int) -> Course | None:
        return self._db.course(course_id) if course_id in self._db.tables.courses else None

    async def many(self, course_ids: Collection[int]) -> list[Course]:
        return [self._db.course(i) for i in self._db.tables.courses if i in course_ids]

    async def all(self) -> list[Course]:
        rows = sorted(self._db.tables.courses.values(), key=lambda r: r.key)
        return [self._db.course(r.id) for r in rows]
