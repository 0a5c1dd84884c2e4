"""Managers' capability grants and the school default."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from domain.entities import PermissionChange


class PermissionStore(Protocol):
    async def grants(self, user_id: int) -> frozenset[str]: ...
    async def defaults(self) -> frozenset[str]: ...
    async def replace(
        self,
        subject_id: int | None,
        capabilities: Collection[str],
        *,
        changed_by: int | None,
        note: str,
    ) -> PermissionChange | None:
        """Sets a manager's capabilities (``subject_id`` None: the school default)
        and logs the difference; None when nothing changed."""
        ...

    async def history(self, subject_id: int | None, *, limit: int) -> list[PermissionChange]:
        """Newest first."""
        ...
