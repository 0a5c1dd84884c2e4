"""School users and their memberships."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from domain.entities import (
    Enrollment,
    Joined,
    Leaving,
    MemberRow,
    Page,
    SlackProfile,
    User,
    UserStatus,
)
from domain.events.model import Cause
from domain.ports.hooks import Compose
from domain.rules.model import Rule


class MemberStore(Protocol):
    async def add(
        self, *, group_id: int, email: str, username: str, compose: Compose, cause: Cause
    ) -> Joined:
        """Adds them unless the group is full, as ``seats_left`` (domain/groups.py)
        says under the lock that inserts. The emails ``compose`` returns are queued,
        and the events recorded, in the same transaction."""
        ...

    async def remove(
        self, *, group_id: int, email: str, cause: Cause
    ) -> tuple[Leaving, User | None]:
        """Ends a membership added by hand; one the group's rule added stays."""
        ...

    async def member_emails(self, group_id: int, emails: Sequence[str]) -> set[str]:
        """Which of these emails belong to members of the group."""
        ...

    async def never_signed_in(self, group_id: int) -> list[User]:
        """Members who have neither set a password nor signed in through the player."""
        ...

    async def page(
        self, *, group_id: int, offset: int, limit: int, only: Rule | None = None, now: datetime
    ) -> Page[MemberRow]:
        """A page of members, or of those who meet ``only`` (a segment's rule) at ``now``."""
        ...


class UserStore(Protocol):
    async def by_slack_id(self, slack_user_id: str) -> User | None: ...
    async def get(self, user_id: int) -> User | None: ...
    async def by_emails(self, emails: Collection[str]) -> dict[str, User]: ...
    async def by_email(self, email: str) -> User | None: ...
    async def link_slack(self, profile: SlackProfile, *, email: str, admin: bool) -> User: ...
    async def link_existing(self, slack_user_id: str, email: str) -> User | None:
        """Links the user with this email if they have no Slack account; never creates."""
        ...

    async def managed_group_ids(self, user_id: int) -> frozenset[int]: ...
    async def roles(self, user_id: int) -> tuple[frozenset[int], frozenset[str]]:
        """The groups they manage and the capabilities granted to them, read together:
        every request from a manager needs both."""
        ...

    async def admins(self) -> list[User]: ...
    async def deactivated_among(self, slack_user_ids: Collection[str]) -> frozenset[str]:
        """Which of these Slack accounts Roster knows as deactivated."""
        ...

    async def enrollments(self, user_id: int) -> list[Enrollment]: ...
    async def create(self, *, email: str, username: str, status: UserStatus) -> User: ...
