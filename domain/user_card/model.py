"""One person's card as records (their profile, groups, courses, emails, activity
and changes), the actions on it, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.entities import Enrollment, LoggedEmail, User, UserStatus
from domain.errors import DomainError, NotFound
from domain.permissions import Capability


class PersonNotFound(NotFound):
    """No one the caller may see has this email (or id)."""

    kind = "person"


class AlreadyInState(DomainError):
    """Suspending someone suspended, or reactivating someone who is not."""

    def __init__(self, username: str, status: UserStatus) -> None:
        self.username = username
        self.status = status
        super().__init__(f"{username} is already {status}")


class NotEnrolled(DomainError):
    """Progress is kept per enrolment; this person has none in the course."""

    def __init__(self, username: str, course: str) -> None:
        self.username = username
        self.course = course
        super().__init__(f"{username} is not enrolled in {course}")


class EnrolmentUnchanged(DomainError):
    """Enrolling someone already enrolled, or unenrolling someone who is not."""

    def __init__(self, username: str, course: str, *, enrolled: bool) -> None:
        self.username = username
        self.course = course
        self.enrolled = enrolled
        super().__init__(f"{username} {'is' if enrolled else 'is not'} enrolled in {course}")


class EmailTaken(DomainError):
    """Emails are unique in the school; another person has this one."""

    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(f"{email} belongs to someone else")


class BeyondYourGroups(DomainError):
    """Changing an email or deleting reaches the person everywhere, so every group
    they are in must be one of the caller's."""

    def __init__(self, username: str, wanted: str) -> None:
        self.username = username
        self.wanted = wanted
        super().__init__(f"{username} is also in groups the caller does not manage")


class AdminKept(DomainError):
    """School admins are never deleted from a card (nor in bulk)."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"{username} is a school admin")


class CardAction(StrEnum):
    """What the card records; stored in the log, so a value never changes meaning."""

    EDITED = "edited"
    SUSPENDED = "suspended"
    REACTIVATED = "reactivated"
    PROGRESS_SET = "progress set"
    COMPLETED = "marked complete"
    PROGRESS_RESET = "progress reset"
    EMAIL_CHANGED = "email changed"
    CREATED = "created"
    INVITATION_RESENT = "invitation resent"
    DELETED = "deleted"
    ENROLLED = "enrolled"
    UNENROLLED = "unenrolled"


@dataclass(frozen=True, slots=True)
class ProgressChange:
    """What a manager does to one enrolment's progress, and why (for the log)."""

    action: CardAction
    course_id: int
    progress: int
    detail: str


@dataclass(frozen=True, slots=True)
class Membership:
    group_id: int
    title: str
    by_rule: bool


@dataclass(frozen=True, slots=True)
class Activity:
    """One event the course player reported about the person."""

    type: str
    course: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change to a person: who made it (None once they are gone)."""

    action: str
    detail: str
    by: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Profile:
    """The personal fields the card shows and the edit form changes."""

    first_name: str
    last_name: str
    tags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserCard:
    """Everything about one person the caller may see, and what they may do."""

    user: User
    profile: Profile
    groups: tuple[Membership, ...]
    enrollments: tuple[Enrollment, ...]
    emails: tuple[LoggedEmail, ...]
    activity: tuple[Activity, ...]
    changes: tuple[Change, ...]
    may: frozenset[Capability] = field(default_factory=frozenset)
    """The actions the card offers this caller."""


@dataclass(frozen=True, slots=True)
class Edit:
    """New values for the personal fields, already normalised."""

    username: str
    first_name: str
    last_name: str
    tags: tuple[str, ...]
