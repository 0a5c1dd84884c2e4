"""What school admins grant to User Group Managers, and the school default."""

from __future__ import annotations

from collections.abc import Collection

from domain.entities import Actor, PermissionChange, PermissionSet, SlackProfile, User
from domain.errors import InvalidInput, NotLinkable, Unlinkable, UserNotFound
from domain.permissions import (
    GRANTABLE,
    LABELS,
    MANAGE_USERS_PARTS,
    Capability,
    require,
)
from domain.ports import Store
from domain.validation import normalize_email

HISTORY_SHOWN = 3


def normalize_grants(keys: Collection[str]) -> frozenset[Capability]:
    """The set to store for what an admin ticked.

    "Manage users" as a whole covers its parts (and parts added later), so the
    parts are not stored beside it; ticking the whole while leaving some parts
    out is contradictory and refused rather than guessed.
    """
    known = {c.value: c for c in GRANTABLE}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InvalidInput("permissions", f"{unknown[0]!r} is not a capability Roster knows")
    chosen = frozenset(known[k] for k in keys)
    if Capability.MANAGE_USERS not in chosen:
        return chosen
    parts = chosen & set(MANAGE_USERS_PARTS)
    if parts and parts != set(MANAGE_USERS_PARTS):
        left_out = [LABELS[p] for p in MANAGE_USERS_PARTS if p not in parts]
        raise InvalidInput(
            "Manage users",
            f"you ticked all of Manage users but left out {left_out[0]}. Untick "
            "“All of Manage users” to grant only the parts you ticked, or tick every part.",
        )
    return chosen - set(MANAGE_USERS_PARTS)


class PermissionService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def require_can_manage(self, actor: Actor) -> None:
        """Checked before a form opens, so nobody fills one in vain."""
        require(actor, Capability.MANAGE_PERMISSIONS)

    async def subject(self, actor: Actor, profile: SlackProfile) -> User:
        """The school user whose permissions an admin wants to see."""
        require(actor, Capability.MANAGE_PERMISSIONS)
        user = await self._store.users.by_slack_id(profile.slack_user_id)
        if user is None and profile.email and not profile.is_bot:
            user = await self._store.users.link_existing(
                profile.slack_user_id, normalize_email(profile.email)
            )
        if user is None:
            raise NotLinkable(profile.slack_user_id, Unlinkable.NOT_A_SCHOOL_USER)
        return user

    async def of(self, actor: Actor, user: User) -> PermissionSet:
        require(actor, Capability.MANAGE_PERMISSIONS)
        permissions = self._store.permissions
        managed = await self._store.users.managed_group_ids(user.id)
        titles = await self._store.groups.titles(managed) if managed else []
        return PermissionSet(
            subject=user,
            capabilities=await permissions.grants(user.id),
            group_titles=tuple(sorted(titles, key=str.casefold)),
            history=tuple(await permissions.history(user.id, limit=HISTORY_SHOWN)),
        )

    async def defaults(self, actor: Actor) -> PermissionSet:
        require(actor, Capability.MANAGE_PERMISSIONS)
        permissions = self._store.permissions
        return PermissionSet(
            subject=None,
            capabilities=await permissions.defaults(),
            group_titles=(),
            history=tuple(await permissions.history(None, limit=HISTORY_SHOWN)),
        )

    async def save(
        self, actor: Actor, subject: User | None, keys: Collection[str]
    ) -> PermissionChange | None:
        """Replaces a manager's set (``subject`` None: the school default).

        Takes effect on the manager's next request; None when nothing changed.
        """
        require(actor, Capability.MANAGE_PERMISSIONS)
        chosen = normalize_grants(keys)
        return await self._store.permissions.replace(
            subject.id if subject else None,
            sorted(chosen),
            changed_by=actor.user_id,
            note="edited by an admin",
        )

    async def user(self, actor: Actor, user_id: int) -> User:
        """The subject of a permissions modal, read again when it is saved."""
        require(actor, Capability.MANAGE_PERMISSIONS)
        user = await self._store.users.get(user_id)
        if user is None:
            raise UserNotFound(f"#{user_id}")
        return user
