"""Certificates issued, looked up by their verification code, revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.certificates.model import Certificate
from domain.entities import Page


class CertificateStore(Protocol):
    async def page(
        self,
        group_id: int,
        course_id: int | None,
        *,
        search: str,
        offset: int,
        limit: int | None,
    ) -> Page[Certificate]:
        """Certificates of the group's members, newest first (``limit`` None: all)."""
        ...

    async def get(self, certificate_id: int) -> Certificate | None: ...
    async def holder_groups(self, certificate_id: int) -> list[int]: ...
    async def by_code(self, code: str) -> Certificate | None: ...
    async def of_user(self, user_id: int) -> list[Certificate]: ...
    async def revoke(
        self, certificate_id: int, *, reason: str, by: int | None, now: datetime
    ) -> bool:
        """Compare-and-set: revokes one not revoked yet; False otherwise."""
        ...
