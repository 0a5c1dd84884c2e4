"""Password links, browser sessions and known browsers, all kept only as hashes."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from domain.entities import Invitation, LinkPurpose, User, UserStatus
from domain.events.model import SYSTEM, SchoolEvent
from domain.events.model import EventType as Kind
from storage import convert
from storage.events import record
from storage.models import InvitationRow, KnownBrowserRow, UserRow, WebSessionRow
from storage.sql import execute

KEEP_BROWSERS = 10
"""Browsers remembered per account; a new one pushes the least recently seen out."""


class _Suspended(Exception):
    """Rolls a redemption back: a suspended user's links open nothing."""


class AccountStore:
    async def create(
        self, user_id: int, token_hash: str, expires_at: datetime, purpose: LinkPurpose
    ) -> None:
        await InvitationRow.create(
            user_id=user_id, token_hash=token_hash, expires_at=expires_at, purpose=purpose.value
        )

    async def find(self, token_hash: str) -> Invitation | None:
        row = await InvitationRow.get_or_none(token_hash=token_hash).prefetch_related("user")
        if row is None:
            return None
        return Invitation(
            convert.user(row.user), row.expires_at, row.used_at, LinkPurpose(row.purpose)
        )

    async def redeem(
        self, token_hash: str, purpose: LinkPurpose, password_hash: str, now: datetime
    ) -> User | None:
        """Uses the link once; None if it was used, expired, never existed or is for
        another purpose. Everything else that opened the account ends with it."""
        try:
            async with in_transaction() as conn:
                used = (
                    await InvitationRow.filter(
                        token_hash=token_hash,
                        purpose=purpose.value,
                        used_at=None,
                        expires_at__gt=now,
                    )
                    .using_db(conn)
                    .update(used_at=now)
                )
                if not used:
                    return None
                row = await InvitationRow.get(token_hash=token_hash, using_db=conn)
                user = await UserRow.get(id=row.user_id, using_db=conn)
                if user.status == UserStatus.SUSPENDED.value:
                    raise _Suspended()
                kind = Kind.USER_ACTIVATED if user.password_hash is None else Kind.SIGNED_IN
                user.password_hash = password_hash
                user.status = UserStatus.ACTIVE.value
                user.last_login_at = now
                await user.save(
                    using_db=conn, update_fields=["password_hash", "status", "last_login_at"]
                )
                await (
                    InvitationRow.filter(user_id=user.id, used_at=None)
                    .using_db(conn)
                    .update(used_at=now)
                )
                await WebSessionRow.filter(user_id=user.id).using_db(conn).delete()
                await KnownBrowserRow.filter(user_id=user.id).using_db(conn).delete()
                await record(conn, [SchoolEvent(kind, now, SYSTEM, user.id)])
        except _Suspended:
            return None
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
        async with in_transaction() as conn:
            await UserRow.filter(id=user_id).using_db(conn).update(**values)
            await record(conn, [SchoolEvent(Kind.SIGNED_IN, now, SYSTEM, user_id)])

    async def open_session(self, user_id: int, token_hash: str, expires_at: datetime) -> None:
        await WebSessionRow.create(user_id=user_id, token_hash=token_hash, expires_at=expires_at)

    async def session_user(self, token_hash: str, now: datetime) -> User | None:
        row = await WebSessionRow.get_or_none(
            token_hash=token_hash, expires_at__gt=now
        ).prefetch_related("user")
        return convert.user(row.user) if row else None

    async def end_session(self, token_hash: str) -> None:
        await WebSessionRow.filter(token_hash=token_hash).delete()

    async def remember_browser(self, user_id: int, token_hash: str, now: datetime) -> None:
        async with in_transaction() as conn:
            await execute(
                conn,
                "INSERT INTO known_browsers (user_id, token_hash, last_seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (token_hash, user_id) DO UPDATE SET last_seen_at = ?",
                [user_id, token_hash, now, now],
            )
            older = (
                await KnownBrowserRow.filter(user_id=user_id)
                .using_db(conn)
                .order_by("-last_seen_at", "-id")
                .offset(KEEP_BROWSERS)
                .values_list("id", flat=True)
            )
            if older:
                await KnownBrowserRow.filter(id__in=older).using_db(conn).delete()

    async def knows_browser(self, token_hash: str, email: str, since: datetime) -> bool:
        return await KnownBrowserRow.exists(
            token_hash=token_hash, user__email=email, last_seen_at__gt=since
        )
