"""Groups, with their courses and managers, and the course catalogue."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from domain.entities import Course, Group, Page


class GroupStore(Protocol):
    async def get(self, group_id: int) -> Group | None: ...
    async def find_by_key(self, key: str) -> Group | None: ...
    async def titles(self, group_ids: Collection[int] | None) -> list[str]: ...
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
        """Managers here whose permissions were never set get the school default."""
        ...

    async def update(
        self,
        group_id: int,
        *,
        title: str,
        key: str,
        description: str,
        seat_limit: int | None,
    ) -> Group: ...
    async def delete(self, group_id: int) -> None: ...
    async def page(
        self, *, group_ids: Collection[int] | None, offset: int, limit: int
    ) -> Page[Group]: ...
    async def set_courses(self, group_id: int, course_ids: Collection[int]) -> Group: ...
    async def set_managers(
        self, group_id: int, user_ids: Collection[int], *, changed_by: int | None
    ) -> Group:
        """Managers here whose permissions were never set get the school default,
        in the same transaction, recorded as a change by ``changed_by``."""
        ...


class CourseStore(Protocol):
    async def create(self, *, title: str, key: str) -> Course: ...
    async def find_by_key(self, key: str) -> Course | None: ...
    async def get(self, course_id: int) -> Course | None: ...
    async def many(self, course_ids: Collection[int]) -> list[Course]: ...
    async def all(self) -> list[Course]: ...
