"""The one place that decides who may do what.

Every service calls :func:`require` before it changes or reveals anything; the
Slack side never tests roles itself, it only asks :func:`allows` which buttons
to draw. School admins may do everything. A User Group Manager holds the
capabilities an admin granted them, and only inside the groups assigned to
them. Some capabilities shape the whole school (creating groups, assigning
managers, granting permissions) and are never granted: only admins hold them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.entities import Actor, Group
from domain.errors import DenialReason, GroupNotFound, PermissionDenied


class Capability(StrEnum):
    """Stable keys: they are stored in grants, so a key never changes meaning."""

    MANAGE_USERS = "users.manage"
    CREATE_USER = "users.manage.create"
    BULK_ACTIONS = "users.manage.bulk"
    BASIC_USER_ACTIONS = "users.manage.basic"
    ADVANCED_USER_ACTIONS = "users.manage.advanced"
    UPDATE_PROGRESS = "users.manage.progress"
    DELETE_USER = "users.manage.delete"
    VIEW_USERS = "users.view"
    VIEW_GROUPS = "groups.view"
    VIEW_ANALYTICS = "analytics.view"
    MANAGE_SEGMENTS = "segments.manage"
    EXPORT_ANALYTICS = "analytics.export"
    MANAGE_REPORTS = "reports.manage"
    VIEW_ACTIVITY = "activity.view"
    GRADEBOOK = "gradebook.manage"
    CERTIFICATIONS = "certifications.manage"
    REVIEW_CENTER = "review.manage"

    CREATE_GROUP = "groups.create"
    EDIT_GROUP = "groups.edit"
    DELETE_GROUP = "groups.delete"
    ASSIGN_MANAGERS = "groups.assign_managers"
    MANAGE_CATALOGUE = "courses.manage"
    MANAGE_PERMISSIONS = "permissions.manage"
    MANAGE_NOTIFICATIONS = "notifications.manage"
    APPROVE_BULK = "bulk.approve"
    APPROVE_RULES = "rules.approve"
    CREATE_UNGROUPED_USER = "users.create_ungrouped"
    SCHOOL_SETTINGS = "school.settings"


LABELS: dict[Capability, str] = {
    Capability.MANAGE_USERS: "Manage users",
    Capability.CREATE_USER: "Manage users: Create a user",
    Capability.BULK_ACTIONS: "Manage users: Bulk actions",
    Capability.BASIC_USER_ACTIONS: "Manage users: Basic user actions",
    Capability.ADVANCED_USER_ACTIONS: "Manage users: Advanced user actions",
    Capability.UPDATE_PROGRESS: "Manage users: Update user progress",
    Capability.DELETE_USER: "Manage users: Delete a user",
    Capability.VIEW_USERS: "View users",
    Capability.VIEW_GROUPS: "View user groups and group members",
    Capability.VIEW_ANALYTICS: "View user analytics",
    Capability.MANAGE_SEGMENTS: "Manage user segments",
    Capability.EXPORT_ANALYTICS: "Export user analytics",
    Capability.MANAGE_REPORTS: "Manage scheduled reports",
    Capability.VIEW_ACTIVITY: "View activity history",
    Capability.GRADEBOOK: "View and manage gradebook",
    Capability.CERTIFICATIONS: "View and manage certifications",
    Capability.REVIEW_CENTER: "View and manage the review center",
    Capability.CREATE_GROUP: "Create groups",
    Capability.EDIT_GROUP: "Edit groups (title, courses)",
    Capability.DELETE_GROUP: "Delete groups",
    Capability.ASSIGN_MANAGERS: "Assign group managers",
    Capability.MANAGE_CATALOGUE: "Manage the course catalogue",
    Capability.MANAGE_PERMISSIONS: "Manage managers' permissions",
    Capability.MANAGE_NOTIFICATIONS: "School emails (switches and log)",
    Capability.APPROVE_BULK: "Approve bulk imports (and whether they enrol)",
    Capability.APPROVE_RULES: "Approve managers' group rules",
    Capability.CREATE_UNGROUPED_USER: "Create a user outside any group",
    Capability.SCHOOL_SETTINGS: "School settings (its time zone)",
}

MANAGE_USERS_PARTS: tuple[Capability, ...] = (
    Capability.CREATE_USER,
    Capability.BULK_ACTIONS,
    Capability.BASIC_USER_ACTIONS,
    Capability.ADVANCED_USER_ACTIONS,
    Capability.UPDATE_PROGRESS,
    Capability.DELETE_USER,
)
"""Granting :attr:`Capability.MANAGE_USERS` grants these, and any part added later."""

PART_HINTS: dict[Capability, str] = {
    Capability.BASIC_USER_ACTIONS: "add to and remove from groups, edit, suspend, resend invite",
    Capability.ADVANCED_USER_ACTIONS: "change email, reset progress",
}


@dataclass(frozen=True)
class Section:
    """Capabilities shown together, as the seed groups them."""

    title: str
    capabilities: tuple[Capability, ...]


SECTIONS: tuple[Section, ...] = (
    Section("Users", (Capability.MANAGE_USERS, *MANAGE_USERS_PARTS, Capability.VIEW_USERS)),
    Section("Groups and segments", (Capability.VIEW_GROUPS, Capability.MANAGE_SEGMENTS)),
    Section(
        "Analytics and reports",
        (
            Capability.VIEW_ANALYTICS,
            Capability.EXPORT_ANALYTICS,
            Capability.MANAGE_REPORTS,
            Capability.VIEW_ACTIVITY,
        ),
    ),
    Section(
        "Learning",
        (Capability.GRADEBOOK, Capability.CERTIFICATIONS, Capability.REVIEW_CENTER),
    ),
)

GRANTABLE: tuple[Capability, ...] = tuple(c for s in SECTIONS for c in s.capabilities)
ADMIN_ONLY = frozenset(Capability) - frozenset(GRANTABLE)


def parse_grants(keys: Iterable[str]) -> frozenset[Capability]:
    """Stored keys as capabilities; a key this version does not know grants nothing."""
    known = {c.value for c in GRANTABLE}
    return frozenset(Capability(k) for k in keys if k in known)


def holds(granted: frozenset[Capability], capability: Capability) -> bool:
    """Whether a set of grants includes ``capability``, directly or through its whole."""
    if capability in granted:
        return True
    return capability in MANAGE_USERS_PARTS and Capability.MANAGE_USERS in granted


def denial(actor: Actor, capability: Capability, group: Group | None = None) -> DenialReason | None:
    """Why the actor may not, or None when they may.

    Without a group, a manager may when they hold the capability and manage at
    least one group: the service then limits what they see to their groups.
    """
    if actor.is_admin:
        return None
    if actor.user_id is None:
        return DenialReason.UNLINKED
    if capability in ADMIN_ONLY:
        return DenialReason.ADMIN_ONLY
    if not actor.managed_group_ids:
        return DenialReason.NOT_A_MANAGER
    if not holds(parse_grants(actor.capabilities), capability):
        return DenialReason.NOT_GRANTED
    if group is not None and group.id not in actor.managed_group_ids:
        return DenialReason.NOT_THEIR_GROUP
    return None


def allows(actor: Actor, capability: Capability, group: Group | None = None) -> bool:
    return denial(actor, capability, group) is None


def require(actor: Actor, capability: Capability, group: Group | None = None) -> None:
    """Raises when the actor may not. A group that is not theirs answers as one that
    does not exist: its title, and that it exists, are not theirs to know."""
    reason = denial(actor, capability, group)
    if reason is DenialReason.NOT_THEIR_GROUP and group is not None:
        raise GroupNotFound(f"#{group.id}")
    if reason is not None:
        raise PermissionDenied(
            LABELS[capability], reason, group_title=group.title if group else None
        )
