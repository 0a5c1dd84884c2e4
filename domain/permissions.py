"""The one place that decides who may do what.

Every service calls :func:`require` before it changes or reveals anything;
the Slack side never tests roles itself. Capabilities are stable keys so the
admin-configurable set can grow into this function without touching callers.
"""

from __future__ import annotations

from enum import StrEnum

from domain.entities import Actor, Group
from domain.errors import PermissionDenied


class Capability(StrEnum):
    CREATE_GROUP = "groups.create"
    DELETE_GROUP = "groups.delete"
    ASSIGN_MANAGERS = "groups.assign_managers"
    MANAGE_CATALOGUE = "courses.manage"
    VIEW_GROUP = "groups.view"
    EDIT_GROUP = "groups.edit"
    VIEW_MEMBERS = "members.view"
    MANAGE_MEMBERS = "members.manage"


LABELS: dict[Capability, str] = {
    Capability.CREATE_GROUP: "create groups",
    Capability.DELETE_GROUP: "delete groups",
    Capability.ASSIGN_MANAGERS: "assign group managers",
    Capability.MANAGE_CATALOGUE: "manage the course catalogue",
    Capability.VIEW_GROUP: "view user groups",
    Capability.EDIT_GROUP: "edit groups (title, courses)",
    Capability.VIEW_MEMBERS: "view group members",
    Capability.MANAGE_MEMBERS: "manage group members",
}

MANAGER_CAPABILITIES = frozenset(
    {
        Capability.VIEW_GROUP,
        Capability.EDIT_GROUP,
        Capability.VIEW_MEMBERS,
        Capability.MANAGE_MEMBERS,
    }
)
"""What a User Group Manager may do inside the groups assigned to them."""


def allows(actor: Actor, capability: Capability, group: Group | None = None) -> bool:
    if actor.is_admin:
        return True
    if capability not in MANAGER_CAPABILITIES or group is None:
        return False
    return group.id in actor.managed_group_ids


def require(actor: Actor, capability: Capability, group: Group | None = None) -> None:
    if not allows(actor, capability, group):
        raise PermissionDenied(LABELS[capability], group.title if group else None)
