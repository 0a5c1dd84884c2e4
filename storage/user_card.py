"""One person's record as their card shows it, and the changes made from it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.entities import LoggedEmail, User, UserStatus
from domain.errors import UserNotFound
from domain.events.model import CARD_EVENTS, Cause, SchoolEvent
from domain.letters import OutgoingEmail
from domain.user_card.model import (
    Activity,
    CardAction,
    Change,
    Edit,
    EmailTaken,
    Membership,
    Profile,
    ProgressChange,
)
from storage import convert
from storage.events import record
from storage.models import (
    ActivityEventRow,
    EmailAliasRow,
    EnrollmentRow,
    MembershipRow,
    OutboxRow,
    UserActionRow,
    UserRow,
    UserTagRow,
    WebSessionRow,
)
from storage.outbox import _entity as logged_email
from storage.outbox import queue


class UserCardStore:
    async def group_ids(self, user_id: int) -> frozenset[int]:
        ids = await MembershipRow.filter(user_id=user_id).values_list("group_id", flat=True)
        return frozenset(cast(list[int], ids))

    async def memberships(self, user_id: int) -> list[Membership]:
        rows = (
            await MembershipRow.filter(user_id=user_id)
            .prefetch_related("group")
            .order_by("group__title_key")
        )
        return [Membership(r.group.id, r.group.title, r.source == "rule") for r in rows]

    async def profile(self, user_id: int) -> Profile:
        row = await UserRow.get_or_none(id=user_id)
        if row is None:
            raise UserNotFound(f"#{user_id}")
        tags = await UserTagRow.filter(user_id=user_id).order_by("id").values_list("tag", flat=True)
        return Profile(row.first_name, row.last_name, tuple(str(t) for t in tags), row.created_at)

    async def emails(self, user_id: int, *, limit: int) -> list[LoggedEmail]:
        rows = await OutboxRow.filter(user_id=user_id).order_by("-id").limit(limit)
        return [logged_email(r) for r in rows]

    async def activity(self, user_id: int, *, limit: int) -> list[Activity]:
        rows = (
            await ActivityEventRow.filter(user_id=user_id)
            .prefetch_related("course")
            .order_by("-occurred_at", "-id")
            .limit(limit)
        )
        return [Activity(r.type, r.course.title if r.course else "", r.occurred_at) for r in rows]

    async def changes(self, user_id: int, *, limit: int) -> list[Change]:
        rows = (
            await UserActionRow.filter(subject_id=user_id)
            .prefetch_related("actor")
            .order_by("-at", "-id")
            .limit(limit)
        )
        return [
            Change(r.action, r.detail, r.actor.username if r.actor else None, r.at) for r in rows
        ]

    async def set_status(
        self, user_id: int, status: UserStatus | None, *, by: int | None, now: datetime
    ) -> None:
        async with in_transaction() as conn:
            row = await UserRow.get(id=user_id, using_db=conn)
            if status is UserStatus.SUSPENDED:
                await WebSessionRow.filter(user_id=user_id).using_db(conn).delete()
                action, detail = CardAction.SUSPENDED, f"{_WAS}{row.status}"
            else:
                status = await _status_before(conn, row)
                action, detail = CardAction.REACTIVATED, ""
            row.status = status.value
            await row.save(using_db=conn, update_fields=["status"])
            await _log(
                conn,
                user_id,
                label=row.email,
                by=by,
                action=action,
                detail=detail,
                now=now,
            )

    async def edit(
        self, user_id: int, edit: Edit, *, by: int | None, detail: str, now: datetime
    ) -> None:
        async with in_transaction() as conn:
            row = await UserRow.get(id=user_id, using_db=conn)
            row.username = edit.username
            row.first_name = edit.first_name
            row.last_name = edit.last_name
            await row.save(using_db=conn, update_fields=["username", "first_name", "last_name"])
            await UserTagRow.filter(user_id=user_id).using_db(conn).delete()
            for tag in edit.tags:
                await UserTagRow.create(user_id=user_id, tag=tag, using_db=conn)
            await _log(
                conn,
                user_id,
                label=row.email,
                by=by,
                action=CardAction.EDITED,
                detail=detail,
                now=now,
            )

    async def change_progress(
        self,
        user_id: int,
        change: ProgressChange,
        *,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        async with in_transaction() as conn:
            row = await EnrollmentRow.get(
                user_id=user_id, course_id=change.course_id, using_db=conn
            )
            row.progress = change.progress
            if change.action is CardAction.COMPLETED:
                row.completed_at = row.completed_at or now
            elif change.action is CardAction.PROGRESS_RESET:
                row.completed_at = None
                row.progress_reset_at = now
            await row.save(
                using_db=conn, update_fields=["progress", "completed_at", "progress_reset_at"]
            )
            person = await UserRow.get(id=user_id, using_db=conn)
            await _log(
                conn,
                user_id,
                label=person.email,
                by=by,
                action=change.action,
                detail=change.detail,
                now=now,
                course_id=change.course_id,
            )
            await queue(emails, now, conn)

    async def enrol(
        self,
        user_id: int,
        course_id: int,
        *,
        enrol: bool,
        by: int | None,
        detail: str,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> bool:
        async with in_transaction() as conn:
            person = await UserRow.select_for_update().using_db(conn).get(id=user_id)
            found = EnrollmentRow.filter(user_id=user_id, course_id=course_id).using_db(conn)
            if await found.exists() == enrol:
                return False
            if enrol:
                await EnrollmentRow.create(
                    user_id=user_id, course_id=course_id, enrolled_at=now, using_db=conn
                )
            else:
                await found.delete()
            action = CardAction.ENROLLED if enrol else CardAction.UNENROLLED
            await _log(
                conn,
                user_id,
                label=person.email,
                by=by,
                action=action,
                detail=detail,
                now=now,
                course_id=course_id,
            )
            await queue(emails, now, conn)
        return True

    async def change_email(
        self,
        user_id: int,
        *,
        old: str,
        new: str,
        alias_until: datetime,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        try:
            async with in_transaction() as conn:
                await UserRow.filter(id=user_id).using_db(conn).update(email=new)
                await WebSessionRow.filter(user_id=user_id).using_db(conn).delete()
                await EmailAliasRow.filter(email=new).using_db(conn).delete()
                await EmailAliasRow.create(
                    email=old, user_id=user_id, until=alias_until, using_db=conn
                )
                await _log(
                    conn,
                    user_id,
                    label=new,
                    by=by,
                    action=CardAction.EMAIL_CHANGED,
                    detail=f"{old} → {new}",
                    now=now,
                )
                await queue(emails, now, conn)
        except IntegrityError:
            raise EmailTaken(new) from None

    async def delete(self, user_id: int, *, by: int | None, now: datetime) -> None:
        async with in_transaction() as conn:
            await tombstone(conn, [user_id])
            await _log(
                conn,
                user_id,
                label=deleted_label(user_id),
                gone=True,
                by=by,
                action=CardAction.DELETED,
                detail="",
                now=now,
            )
            await UserRow.filter(id=user_id).using_db(conn).delete()

    async def create(
        self,
        *,
        email: str,
        username: str,
        by: int | None,
        now: datetime,
        compose: Callable[[User], list[OutgoingEmail]],
    ) -> User:
        try:
            async with in_transaction() as conn:
                row = await UserRow.create(
                    email=email, username=username, status=UserStatus.INVITED.value, using_db=conn
                )
                user = convert.user(row)
                await _log(
                    conn,
                    row.id,
                    label=email,
                    by=by,
                    action=CardAction.CREATED,
                    detail="",
                    now=now,
                )
                await queue(compose(user), now, conn)
        except IntegrityError:
            raise EmailTaken(email) from None
        return user

    async def record(
        self,
        user_id: int,
        action: CardAction,
        *,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        async with in_transaction() as conn:
            person = await UserRow.get(id=user_id, using_db=conn)
            await _log(
                conn,
                user_id,
                label=person.email,
                by=by,
                action=action,
                detail="",
                now=now,
            )
            await queue(emails, now, conn)

    async def aliases(self, emails: Collection[str], now: datetime) -> dict[str, User]:
        rows = await EmailAliasRow.filter(email__in=list(emails), until__gt=now).prefetch_related(
            "user"
        )
        return {r.email: convert.user(r.user) for r in rows}


_WAS = "was "
"""A suspension's log line keeps the status it ended, for reactivating to."""


async def _status_before(conn: BaseDBAsyncClient, row: UserRow) -> UserStatus:
    """What a suspension ended (active or invited), as its log line says; without one,
    active when they chose a password, else invited."""
    detail = await (
        UserActionRow.filter(subject_id=row.id, action=CardAction.SUSPENDED.value)
        .using_db(conn)
        .order_by("-id")
        .first()
        .values_list("detail", flat=True)
    )
    before = str(detail or "").removeprefix(_WAS)
    if before in (UserStatus.ACTIVE.value, UserStatus.INVITED.value):
        return UserStatus(before)
    return UserStatus.ACTIVE if row.password_hash else UserStatus.INVITED


def deleted_label(user_id: int) -> str:
    """How the logs name a person once they are deleted: no personal field stays."""
    return f"deleted user #{user_id}"


async def tombstone(conn: BaseDBAsyncClient, user_ids: Sequence[int]) -> None:
    """Before people are deleted (one from a card, or many in bulk): their lines in the
    User action log and the Emails log keep only a tombstone, and emails not yet
    delivered to them are dropped."""
    for user_id in user_ids:
        label = deleted_label(user_id)
        await UserActionRow.filter(subject_id=user_id).using_db(conn).update(subject_label=label)
        pending = OutboxRow.filter(user_id=user_id, state__in=["queued", "retrying"])
        await pending.using_db(conn).delete()
        await (
            OutboxRow.filter(user_id=user_id)
            .using_db(conn)
            .update(to_address=label, text_body="", html_body="", letter_values="")
        )


async def _log(
    conn: BaseDBAsyncClient,
    user_id: int,
    *,
    label: str,
    by: int | None,
    action: CardAction,
    detail: str,
    now: datetime,
    course_id: int | None = None,
    gone: bool = False,
) -> None:
    """The card's log line and the school event, in the change's transaction; a deleted
    person's line keeps only their label, their event keeps their id."""
    await UserActionRow.create(
        subject_id=None if gone else user_id,
        subject_label=label,
        actor_id=by,
        action=action.value,
        detail=detail,
        at=now,
        using_db=conn,
    )
    event = SchoolEvent(
        CARD_EVENTS[action], now, Cause.hand(by), user_id, course_id=course_id, detail=detail
    )
    await record(conn, [event])
