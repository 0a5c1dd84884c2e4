"""The school's course catalogue."""

from __future__ import annotations

from domain.entities import Actor, Course
from domain.errors import CourseNotFound, TitleTaken
from domain.naming import closest, parse_id
from domain.permissions import Capability, require
from domain.ports import Store
from domain.validation import normalize_title, title_key


class CourseService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def create(self, actor: Actor | None, *, title: str) -> Course:
        """``actor=None`` is the trusted command line."""
        if actor is not None:
            require(actor, Capability.MANAGE_CATALOGUE)
        clean = normalize_title(title)
        existing = await self._store.courses.find_by_key(title_key(clean))
        if existing is not None:
            raise TitleTaken("course", clean, existing.title, existing.id)
        return await self._store.courses.create(title=clean, key=title_key(clean))

    async def catalogue(self, actor: Actor) -> list[Course]:
        require(actor, Capability.VIEW_GROUPS)
        return await self._store.courses.all()

    async def resolve(self, name: str) -> Course:
        courses = self._store.courses
        course_id = parse_id(name)
        course = await courses.get(course_id) if course_id is not None else None
        course = course or await courses.find_by_key(title_key(name))
        if course is None:
            raise CourseNotFound(name, closest(name, [c.title for c in await courses.all()]))
        return course

    async def by_ids(self, ids: list[int]) -> list[Course]:
        """Courses picked in a modal; ids that vanished meanwhile are named, not skipped."""
        found = {c.id: c for c in await self._store.courses.many(ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise CourseNotFound(f"#{missing[0]}")
        return [found[i] for i in ids]
