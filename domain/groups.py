"""Creating, finding, changing and deleting groups."""

from __future__ import annotations

from collections.abc import Collection

from domain.entities import Actor, Course, Group, Page, SlackProfile, User
from domain.errors import GroupNotFound, TitleTaken
from domain.naming import closest, parse_id
from domain.permissions import Capability, require
from domain.ports import Store
from domain.ports.hooks import Changed, Renamed
from domain.users import link_profiles
from domain.validation import (
    normalize_description,
    normalize_seat_limit,
    normalize_title,
    title_key,
)


def seats_left(seat_limit: int | None, seated: int) -> int | None:
    """Room in a group for more members; None when it has no seat limit. Storage
    asks inside the transaction that locks the group, so two adds never overfill it."""
    return None if seat_limit is None else max(seat_limit - seated, 0)


class GroupService:
    def __init__(self, store: Store, *, changed: Changed, renamed: Renamed) -> None:
        self._store = store
        self._changed = changed
        self._renamed = renamed

    async def _linked(self, profiles: Collection[SlackProfile]) -> list[User]:
        """School users for new managers; one who is new to the school may meet a rule."""
        users = await link_profiles(self._store, profiles)
        if users:
            self._changed([u.id for u in users], "became a group manager")
        return users

    async def resolve(self, actor: Actor, name: str, capability: Capability) -> Group:
        """The group a user named, checked against what they may do with it.

        A group the actor may not see answers exactly as a group that does not
        exist, so neither its title nor its existence leaks (``#7`` names any
        group); suggestions only list groups the actor may see.
        """
        groups = self._store.groups
        group_id = parse_id(name)
        group = await groups.get(group_id) if group_id is not None else None
        group = group or await groups.find_by_key(title_key(name))
        if group is None or not (actor.is_admin or group.id in actor.managed_group_ids):
            require(actor, capability)
            visible = None if actor.is_admin else actor.managed_group_ids
            raise GroupNotFound(name, closest(name, await groups.titles(visible)))
        require(actor, capability, group)
        return group

    async def dashboard(self, actor: Actor, *, offset: int = 0, limit: int = 10) -> Page[Group]:
        """The groups the caller may see: all for an admin, their own for a manager."""
        require(actor, Capability.VIEW_GROUPS)
        visible = None if actor.is_admin else actor.managed_group_ids
        return await self._store.groups.page(group_ids=visible, offset=offset, limit=limit)

    def require_can_create(self, actor: Actor) -> None:
        """Checked before the create form opens, so nobody fills in a form in vain."""
        require(actor, Capability.CREATE_GROUP)

    async def create(
        self,
        actor: Actor,
        *,
        title: str,
        description: str = "",
        seat_limit: int | str | None = None,
        courses: Collection[Course] = (),
        managers: Collection[SlackProfile] = (),
    ) -> Group:
        require(actor, Capability.CREATE_GROUP)
        clean_title = normalize_title(title)
        await self._ensure_title_free(clean_title)
        manager_users = await self._linked(managers)
        return await self._store.groups.create(
            title=clean_title,
            key=title_key(clean_title),
            description=normalize_description(description),
            seat_limit=normalize_seat_limit(seat_limit),
            course_ids=[c.id for c in courses],
            manager_ids=[u.id for u in manager_users],
            changed_by=actor.user_id,
        )

    async def rename(self, actor: Actor, group: Group, *, title: str) -> Group:
        require(actor, Capability.EDIT_GROUP, group)
        clean_title = normalize_title(title)
        await self._ensure_title_free(clean_title, except_id=group.id)
        renamed = await self._store.groups.update(
            group.id,
            title=clean_title,
            key=title_key(clean_title),
            description=group.description,
            seat_limit=group.seat_limit,
        )
        await self._renamed(group.title, renamed)
        return renamed

    async def delete(self, actor: Actor, group: Group) -> None:
        """Deletes the group and its memberships; its members stay school users."""
        require(actor, Capability.DELETE_GROUP, group)
        await self._store.groups.delete(group.id)

    async def set_courses(self, actor: Actor, group: Group, courses: Collection[Course]) -> Group:
        require(actor, Capability.EDIT_GROUP, group)
        return await self._store.groups.set_courses(group.id, [c.id for c in courses])

    async def add_course(self, actor: Actor, group: Group, course: Course) -> tuple[Group, bool]:
        """Returns the group and whether the course was new to it."""
        if any(c.id == course.id for c in group.courses):
            require(actor, Capability.EDIT_GROUP, group)
            return group, False
        return await self.set_courses(actor, group, [*group.courses, course]), True

    async def remove_course(self, actor: Actor, group: Group, course: Course) -> tuple[Group, bool]:
        remaining = [c for c in group.courses if c.id != course.id]
        if len(remaining) == len(group.courses):
            require(actor, Capability.EDIT_GROUP, group)
            return group, False
        return await self.set_courses(actor, group, remaining), True

    async def set_managers(
        self, actor: Actor, group: Group, profiles: Collection[SlackProfile]
    ) -> Group:
        require(actor, Capability.ASSIGN_MANAGERS, group)
        users = await self._linked(profiles)
        return await self._store.groups.set_managers(
            group.id, [u.id for u in users], changed_by=actor.user_id
        )

    async def add_manager(
        self, actor: Actor, group: Group, profile: SlackProfile
    ) -> tuple[Group, bool]:
        require(actor, Capability.ASSIGN_MANAGERS, group)
        if any(m.slack_user_id == profile.slack_user_id for m in group.managers):
            return group, False
        users = await self._linked([profile])
        ids = [m.id for m in group.managers] + [users[0].id]
        return await self._store.groups.set_managers(group.id, ids, changed_by=actor.user_id), True

    async def remove_manager(
        self, actor: Actor, group: Group, slack_user_id: str
    ) -> tuple[Group, bool]:
        require(actor, Capability.ASSIGN_MANAGERS, group)
        remaining = [m.id for m in group.managers if m.slack_user_id != slack_user_id]
        if len(remaining) == len(group.managers):
            return group, False
        changed = await self._store.groups.set_managers(
            group.id, remaining, changed_by=actor.user_id
        )
        return changed, True

    async def _ensure_title_free(self, title: str, *, except_id: int | None = None) -> None:
        existing = await self._store.groups.find_by_key(title_key(title))
        if existing is not None and existing.id != except_id:
            raise TitleTaken("group", title, existing.title, existing.id)
