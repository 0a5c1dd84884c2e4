"""The course catalogue."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from tortoise.exceptions import IntegrityError

from domain.entities import Course
from domain.errors import TitleTaken
from storage import convert
from storage.models import CourseRow
from storage.sql import fetch


class _Title(NamedTuple):
    id: int
    title: str


class CourseStore:
    async def create(self, *, title: str, key: str) -> Course:
        try:
            row = await CourseRow.create(title=title, title_key=key)
        except IntegrityError:
            existing = await CourseRow.get(title_key=key)
            raise TitleTaken("course", title, existing.title, existing.id) from None
        return convert.course(row)

    async def find_by_key(self, key: str) -> Course | None:
        row = await CourseRow.get_or_none(title_key=key)
        return convert.course(row) if row else None

    async def get(self, course_id: int) -> Course | None:
        row = await CourseRow.get_or_none(id=course_id)
        return convert.course(row) if row else None

    async def many(self, course_ids: Collection[int]) -> list[Course]:
        return [convert.course(row) for row in await CourseRow.filter(id__in=list(course_ids))]

    async def all(self) -> list[Course]:
        """Without the ORM: the activity API reads the catalogue every round."""
        rows = await fetch(None, "SELECT id, title FROM courses ORDER BY title_key", [], _Title)
        return [Course(row.id, row.title) for row in rows]
