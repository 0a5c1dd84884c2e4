"""Typed errors the Slack side turns into short messages that name the fix."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class DomainError(Exception):
    """Base of every error a user can cause; never carries a stack trace to Slack."""


class NotFound(DomainError):
    """Something named by the user does not exist."""

    kind = "item"

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        super().__init__(f"{self.kind} {name!r} not found")


class GroupNotFound(NotFound):
    """No group has this title or id."""

    kind = "group"


class CourseNotFound(NotFound):
    """No course in the catalogue has this title or id."""

    kind = "course"


class MemberNotFound(NotFound):
    """The email does not belong to a member of the group."""

    kind = "member"


class UserNotFound(NotFound):
    """No school user has this id any more."""

    kind = "user"


class TitleTaken(DomainError):
    """Titles are unique regardless of case; this one is in use."""

    def __init__(self, kind: str, title: str, existing_title: str, existing_id: int) -> None:
        self.kind = kind
        self.title = title
        self.existing_title = existing_title
        self.existing_id = existing_id
        super().__init__(f"{kind} title {title!r} clashes with {existing_title!r}")


class InvalidInput(DomainError):
    """A value typed by the user cannot be used; ``field`` names which one.

    ``problem`` and ``fix`` are kept apart for places that show them in their
    own columns (a spreadsheet's row problems); ``message`` joins them.
    """

    def __init__(self, field: str, message: str, *, fix: str = "") -> None:
        self.field = field
        self.problem = message
        self.fix = fix
        self.message = f"{message}; {fix}." if fix else message
        super().__init__(f"{field}: {self.message}")


class DenialReason(StrEnum):
    """Why a request was refused; each reason has its own remedy."""

    UNLINKED = "unlinked"
    ADMIN_ONLY = "admin_only"
    NOT_A_MANAGER = "not_a_manager"
    NOT_GRANTED = "not_granted"
    NOT_THEIR_GROUP = "not_their_group"


class PermissionDenied(DomainError):
    """The actor may not do this; ``capability`` is the label of what it needs."""

    def __init__(
        self, capability: str, reason: DenialReason, *, group_title: str | None = None
    ) -> None:
        self.capability = capability
        self.reason = reason
        self.group_title = group_title
        where = f" on {group_title}" if group_title else ""
        super().__init__(f"{reason}: {capability}{where}")


class SeatLimitReached(DomainError):
    """The group is full; adding one more would exceed its seat limit."""

    def __init__(self, group_title: str, seat_limit: int) -> None:
        self.group_title = group_title
        self.seat_limit = seat_limit
        super().__init__(f"{group_title} is full ({seat_limit} seats)")


class KeptByRule(DomainError):
    """The member is in the group by its rule; removed by hand, the rule would add them back."""

    def __init__(self, email: str, group_title: str) -> None:
        self.email = email
        self.group_title = group_title
        super().__init__(f"{email} is in {group_title} by its rule")


class Unlinkable(StrEnum):
    """Why a Slack account can't be tied to a school user who manages groups."""

    BOT = "a bot"
    DEACTIVATED = "deactivated"
    SINGLE_CHANNEL_GUEST = "a single-channel guest"
    MULTI_CHANNEL_GUEST = "a multi-channel guest"
    NO_EMAIL = "no email"
    UNKNOWN_TO_SLACK = "unknown to Slack"
    EMAIL_TAKEN = "email taken"
    NOT_A_SCHOOL_USER = "not a school user"


class NotLinkable(DomainError):
    """A Slack account cannot be tied to a school user. ``slack_error``: what Slack
    answered (unknown to Slack); ``email`` and ``owner``: the address and the
    other Slack account it belongs to (email taken)."""

    def __init__(
        self,
        slack_user_id: str,
        why: Unlinkable,
        *,
        slack_error: str = "",
        email: str = "",
        owner: str = "",
    ) -> None:
        self.slack_user_id = slack_user_id
        self.why = why
        self.slack_error = slack_error
        self.email = email
        self.owner = owner
        super().__init__(f"{slack_user_id}: {why}")


class NotificationOff(DomainError):
    """An admin switched this kind of email off school-wide."""

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(f"{label} emails are off")
