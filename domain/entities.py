"""Plain, frozen records that cross the storage/domain/Slack boundaries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

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
    slack_deactivated_at: datetime | None = None
    """Set while their Slack account is deactivated: their roles are paused."""


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
class Joined:
    """What storage did when asked to add one person to a group: nothing when the
    group was full (``full``), or they were already in it (``already``)."""

    user: User | None
    created: bool = False
    already: bool = False
    full: bool = False
    enrolled: tuple[Course, ...] = ()
    kept: tuple[Course, ...] = ()
    """Courses of the group they were enrolled in before."""


class Leaving(StrEnum):
    """What storage did when asked to end a membership by hand."""

    REMOVED = "removed"
    NOT_A_MEMBER = "not a member"
    BY_RULE = "by rule"
    """Kept: the group's rule added them and would add them straight back."""


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


class EventType(StrEnum):
    SIGN_IN = "sign_in"
    COURSE_PROGRESS = "course_progress"
    COURSE_COMPLETED = "course_completed"
    ASSESSMENT_SUBMITTED = "assessment_submitted"
    ASSESSMENT_GRADED = "assessment_graded"
    CERTIFICATE_ISSUED = "certificate_issued"


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    event_id: str
    type: EventType
    email: str
    course: str | None
    occurred_at: datetime
    percent: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Resolved:
    """An event with its user and course found."""

    event: ActivityEvent
    user: User
    course: Course | None


@dataclass(frozen=True)
class Departure:
    """Slack no longer takes Roster's token: why (the event that said so) and since when."""

    reason: str
    at: datetime


class Scope(StrEnum):
    """What a key counts; the refusal a learner reads depends on it."""

    EMAIL = "email"
    CLIENT = "client"
    BROWSER = "browser"
    LINK_EMAIL = "link-email"
    LINK_CLIENT = "link-client"
    VERIFY_CLIENT = "verify-client"


@dataclass(frozen=True, slots=True)
class Tally:
    """Attempts counted under one key: those still in flight and those that failed."""

    key: str
    count: int = 0
    last_at: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    """What to store for an attempt that may go ahead, or why it may not."""

    refused: Scope | None = None
    wait: timedelta = timedelta(0)
    tallies: tuple[Tally, ...] = ()
