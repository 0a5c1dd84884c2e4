"""Invitation tokens and browser sessions, both kept only as hashes."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from domain.entities import Invitation, User, UserStatus
from storage import convert
from storage.models import InvitationRow, UserRow, WebSessionRow


class InvitationStore:
    async def create(self, user_id: int, token_hash: str, expires_at: datetime) -> None:
        await InvitationRow.create(user_id=user_id, token_hash=token_hash, expires_at=expires_at)

    async def find(self, token_hash: str) -> Invitation | None:
        row = await InvitationRow.get_or_none(token_hash=token_hash).prefetch_related("user")
        if row is None:
            return None
        return Invitation(convert.user(row.user), row.expires_at, row.used_at)

    async def redeem(self, token_hash: str, password_hash: str, now: datetime) -> User | None:
        """Uses the invitation once: None if it was used, expired or never existed."""
        async with in_transaction() as conn:
            used = (
                await InvitationRow.filter(token_hash=token_hash, used_at=None, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            if not used:
                return None
            row = await InvitationRow.get(token_hash=token_hash).using_db(conn)
            await (
                UserRow.filter(id=row.user_id)
                .using_db(conn)
                .update(
                    password_hash=password_hash, status=UserStatus.ACTIVE.value, last_login_at=now
                )
            )
            user = await UserRow.get(id=row.user_id).using_db(conn)
        return convert.user(user)

    async def password_hash(self, email: str) -> tuple[User, str] | None:
        row = await UserRow.get_or_none(email=email)
        if row is None or not row.password_hash:
            return None
        return convert.user(row), row.password_hash

    async def signed_in(self, user_id: int, now: datetime, new_hash: str | None) -> None:
        values: dict[str, object] = {"last_login_at": now}
        if new_hash:
            values["password_hash"] = new_hash
        await UserRow.filter(id=user_id).update(**values)

    async def open_session(self, user_id: int, token_hash: str, expires_at: datetime) -> None:
        await WebSessionRow.create(user_id=user_id, token_hash=token_hash, expires_at=expires_at)

    async def session_user(self, token_hash: str, now: datetime) -> User | None:
        row = await WebSessionRow.get_or_none(
            token_hash=token_hash, expires_at__gt=now
        ).prefetch_related("user")
        return convert.user(row.user) if row else None
