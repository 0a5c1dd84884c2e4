"""One person's card: their record read at once, and each change with its log line."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Protocol

from domain.entities import LoggedEmail, User, UserStatus
from domain.letters import OutgoingEmail
from domain.user_card.model import (
    Activity,
    CardAction,
    Change,
    Edit,
    Membership,
    Profile,
    ProgressChange,
)


class UserCardStore(Protocol):
    async def group_ids(self, user_id: int) -> frozenset[int]: ...
    async def memberships(self, user_id: int) -> list[Membership]: ...
    async def profile(self, user_id: int) -> Profile: ...
    async def emails(self, user_id: int, *, limit: int) -> list[LoggedEmail]: ...
    async def activity(self, user_id: int, *, limit: int) -> list[Activity]: ...
    async def changes(self, user_id: int, *, limit: int) -> list[Change]: ...
    async def set_status(
        self, user_id: int, status: UserStatus | None, *, by: int | None, now: datetime
    ) -> None:
        """``SUSPENDED`` ends their sessions; None reactivates (active, or invited
        without a password). Recorded in the same transaction."""

    async def edit(
        self, user_id: int, edit: Edit, *, by: int | None, detail: str, now: datetime
    ) -> None: ...
    async def change_progress(
        self,
        user_id: int,
        change: ProgressChange,
        *,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        """Sets the enrolment's progress (complete, reset) with its log line and
        emails, in one transaction."""

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
        """Enrols them at 0% (or ends the enrolment) with the card's log line, the
        event and the emails, in one transaction; False when nothing was to change."""

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
        """Raises ``EmailTaken`` when another person took ``new`` meanwhile."""

    async def delete(self, user_id: int, *, by: int | None, now: datetime) -> None:
        """Deletes them, leaving their lines in the logs as a deleted user."""

    async def create(
        self,
        *,
        email: str,
        username: str,
        by: int | None,
        now: datetime,
        compose: Callable[[User], list[OutgoingEmail]],
    ) -> User:
        """An invited user in no group, with the emails ``compose`` gives, in one
        transaction; raises ``EmailTaken`` when the address was taken meanwhile."""

    async def record(
        self,
        user_id: int,
        action: CardAction,
        *,
        by: int | None,
        now: datetime,
        emails: Sequence[OutgoingEmail],
    ) -> None:
        """A log line for an action that changes no field, with its emails."""

    async def aliases(self, emails: Collection[str], now: datetime) -> dict[str, User]:
        """Who each still-valid former address names."""
