"""Plain, frozen records that cross the storage/domain/Slack boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class UserStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class Course:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    username: str
    status: UserStatus
    slack_user_id: str | None = None
    is_admin: bool = False
    last_login_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A group with what the dashboard shows about it."""

    id: int
    title: str
    description: str
    seat_limit: int | None
    created_at: datetime
    updated_at: datetime
    courses: tuple[Course, ...] = ()
    managers: tuple[User, ...] = ()
    member_count: int = 0


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling, resolved afresh from the signed payload on every request."""

    slack_user_id: str
    user_id: int | None
    is_admin: bool
    managed_group_ids: frozenset[int] = field(default_factory=frozenset)
    capabilities: frozenset[str] = field(default_factory=frozenset)
    """Capability keys granted to this user as a manager; admins need none."""


@dataclass(frozen=True, slots=True)
class SlackProfile:
    """What Slack says about an account, used to link it to a school user."""

    slack_user_id: str
    email: str | None
    name: str
    is_bot: bool = False
    deleted: bool = False
    """Deactivated in Slack."""
    restricted: bool = False
    """A guest in Slack: a multi-channel guest (Slack's ``is_restricted``)..."""
    ultra_restricted: bool = False
    """...or a single-channel guest (``is_ultra_restricted``)."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    user: User
    joined_at: datetime
    courses: tuple[Course, ...]
    by_rule: bool = False
    """Added by the group's rule (which may remove them again), not by hand."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True, slots=True)
class AddMemberOutcome:
    """Exactly what adding one member did, so the reply can say it."""

    group: Group
    user: User
    created_user: bool
    already_member: bool
    enrolled: tuple[Course, ...]
    already_enrolled: tuple[Course, ...]


@dataclass(frozen=True, slots=True)
class PermissionChange:
    """One saved edit of a permission set: who changed what, and when.

    ``subject`` is the manager whose set changed, or None for the school default.
    """

    subject: User | None
    changed_by: User | None
    granted: tuple[str, ...]
    revoked: tuple[str, ...]
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PermissionSet:
    """A manager's (or the school default) capabilities, with their recent history."""

    subject: User | None
    capabilities: frozenset[str]
    group_titles: tuple[str, ...]
    history: tuple[PermissionChange, ...]


@dataclass(frozen=True, slots=True)
class Identity:
    """What ``whoami`` tells the caller about themselves."""

    actor: Actor
    user: User | None
    group_titles: tuple[str, ...]
    admin_from_settings: bool


@dataclass(frozen=True, slots=True)
class LoggedEmail:
    """One outbox row, as the delivery worker and the Emails log see it."""

    id: int
    user_id: int | None
    to: str
    subject: str
    text: str
    html: str
    trigger: str
    state: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


class LinkPurpose(StrEnum):
    """What an emailed link is for: the first password, or a new one after /forgot."""

    INVITATION = "invitation"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class Invitation:
    """A password link's record (an invitation or a reset); the token itself exists
    only in the email."""

    user: User
    expires_at: datetime
    used_at: datetime | None
    purpose: LinkPurpose = LinkPurpose.INVITATION


@dataclass(frozen=True, slots=True)
class Enrollment:
    course: Course
    progress: int
    completed_at: datetime | None


class RuleState(StrEnum):
    DRAFT = "draft"
    PENDING = "pending approval"
    ACTIVE = "active"
    REPLACED = "replaced"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class SavedRule:
    """A group's rule (``group_id`` set) or a user segment (``name`` set), in any state."""

    id: int
    group_id: int | None
    name: str
    text: str
    state: RuleState
    created_by: User | None
    created_at: datetime
    saved_at: datetime | None
    last_run_at: datetime | None
    last_added: int
    last_removed: int
    decided_by: User | None = None
    """The admin who approved or rejected a manager's rule."""
    decided_at: datetime | None = None
    reason: str = ""
    channel: str = ""
    """Where the preview sent for approval is: decisions are told in its thread."""
    thread_ts: str = ""


@dataclass(frozen=True, slots=True)
class RulePreview:
    """What saving a rule would change, before it is saved; lists are the first few by email."""

    matching: int
    added: int
    removed: int
    manual_kept: int
    first_added: tuple[User, ...]
    first_removed: tuple[User, ...]
    names_shown: bool = True
    """False for someone who may not view the school's users: counts only, no names."""


@dataclass(frozen=True, slots=True)
class RuleRun:
    """What one evaluation changed."""

    added: tuple[User, ...]
    removed: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class RuleEvent:
    email: str
    change: str
    cause: str
    at: datetime
