"""School users and their link to Slack accounts."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple, cast

from tortoise.transactions import in_transaction

from domain.entities import Enrollment, SlackProfile, User, UserStatus
from domain.errors import NotLinkable, Unlinkable
from storage import convert
from storage.models import EnrollmentRow, GroupManagerRow, UserRow
from storage.sql import fetch, marks


class _Role(NamedTuple):
    kind: str
    value: str


class _UserColumns(NamedTuple):
    id: int
    email: str
    username: str
    status: str
    slack_user_id: str | None
    is_admin: Any
    last_login_at: Any
    slack_deactivated_at: Any


class UserStore:
    async def by_slack_id(self, slack_user_id: str) -> User | None:
        row = await UserRow.get_or_none(slack_user_id=slack_user_id)
        return convert.user(row) if row else None

    async def by_emails(self, emails: Collection[str]) -> dict[str, User]:
        """In chunks: SQLite caps the parameters of one statement. Read without the ORM:
        the activity API looks up every reporting learner this way, each round."""
        wanted = list(emails)
        found: dict[str, User] = {}
        for start in range(0, len(wanted), 5000):
            chunk = wanted[start : start + 5000]
            rows = await fetch(
                None,
                "SELECT id, email, username, status, slack_user_id, is_admin, last_login_at,"
                f" slack_deactivated_at FROM users WHERE email IN ({marks(len(chunk))})",
                chunk,
                _UserColumns,
            )
            found |= {row.email: convert.user(row) for row in rows}
        return found

    async def get(self, user_id: int) -> User | None:
        row = await UserRow.get_or_none(id=user_id)
        return convert.user(row) if row else None

    async def by_email(self, email: str) -> User | None:
        row = await UserRow.get_or_none(email=email)
        return convert.user(row) if row else None

    async def link_existing(self, slack_user_id: str, email: str) -> User | None:
        """Ties the account to the school user with this email, if that user has
        no Slack account yet; never creates a user."""
        updated = await UserRow.filter(email=email, slack_user_id=None).update(
            slack_user_id=slack_user_id
        )
        return await self.by_slack_id(slack_user_id) if updated else None

    async def link_slack(self, profile: SlackProfile, *, email: str, admin: bool) -> User:
        """Ties the Slack account to the user with its email, creating one if none."""
        async with in_transaction() as conn:
            row = await UserRow.get_or_none(slack_user_id=profile.slack_user_id, using_db=conn)
            row = row or await UserRow.get_or_none(email=email, using_db=conn)
            if row is None:
                row = await UserRow.create(
                    email=email,
                    username=email.split("@", 1)[0][:64],
                    status=UserStatus.ACTIVE.value,
                    using_db=conn,
                )
            if row.slack_user_id not in (None, profile.slack_user_id):
                raise NotLinkable(
                    profile.slack_user_id,
                    Unlinkable.EMAIL_TAKEN,
                    email=email,
                    owner=row.slack_user_id,
                )
            row.slack_user_id = profile.slack_user_id
            row.is_admin = row.is_admin or admin
            await row.save(using_db=conn)
        return convert.user(row)

    async def managed_group_ids(self, user_id: int) -> frozenset[int]:
        ids = await GroupManagerRow.filter(user_id=user_id).values_list("group_id", flat=True)
        return frozenset(int(i) for i in cast(list[int], ids))

    async def roles(self, user_id: int) -> tuple[frozenset[int], frozenset[str]]:
        """One round trip: a manager's every request reads both before it is answered."""
        rows = await fetch(
            None,
            "SELECT 'group' AS kind, CAST(group_id AS TEXT) AS value FROM group_managers "
            "WHERE user_id = ? UNION ALL SELECT 'grant', capability FROM capability_grants "
            "WHERE user_id = ?",
            [user_id, user_id],
            _Role,
        )
        groups = frozenset(int(r.value) for r in rows if r.kind == "group")
        return groups, frozenset(r.value for r in rows if r.kind == "grant")

    async def enrollments(self, user_id: int) -> list[Enrollment]:
        rows = (
            await EnrollmentRow.filter(user_id=user_id)
            .prefetch_related("course")
            .order_by("course__title_key")
        )
        return [Enrollment(convert.course(r.course), r.progress, r.completed_at) for r in rows]

    async def admins(self) -> list[User]:
        return [convert.user(r) for r in await UserRow.filter(is_admin=True).order_by("id")]

    async def deactivated_among(self, slack_user_ids: Collection[str]) -> frozenset[str]:
        if not slack_user_ids:
            return frozenset()
        rows = UserRow.filter(
            slack_user_id__in=list(slack_user_ids), slack_deactivated_at__isnull=False
        )
        return frozenset(cast(list[str], await rows.values_list("slack_user_id", flat=True)))

    async def create(self, *, email: str, username: str, status: UserStatus) -> User:
        row = await UserRow.create(email=email, username=username, status=status.value)
        return convert.user(row)
