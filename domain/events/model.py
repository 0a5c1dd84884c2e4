"""What an event is: its type in words, who caused it and how, whom it concerns.

Storage writes an event in the same transaction as the change it records, so the
log never shows a change that was rolled back nor misses one that was kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.bulk.model import JobState, RowOutcome
from domain.entities import Course
from domain.user_card.model import CardAction


class EventType(StrEnum):
    """Stable keys: they are stored and sent to webhooks, so a key never changes meaning."""

    USER_CREATED = "user.created"
    USER_INVITED = "user.invited"
    USER_ACTIVATED = "user.activated"
    USER_UPDATED = "user.updated"
    USER_DELETED = "user.deleted"
    USER_SUSPENDED = "user.suspended"
    USER_REACTIVATED = "user.reactivated"
    EMAIL_CHANGED = "user.email_changed"
    SIGNED_IN = "user.signed_in"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    ENROLLED = "course.enrolled"
    UNENROLLED = "course.unenrolled"
    PROGRESS = "course.progress"
    COMPLETED = "course.completed"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    ASSESSMENT_SUBMITTED = "assessment.submitted"
    ASSESSMENT_GRADED = "assessment.graded"
    GRADE_RELEASED = "grade.released"
    JOB_REQUESTED = "bulk.requested"
    JOB_APPROVED = "bulk.approved"
    JOB_REJECTED = "bulk.rejected"
    JOB_FINISHED = "bulk.finished"
    RULE_SAVED = "rule.saved"
    RULE_CHANGED = "rule.changed"
    RULE_CLEARED = "rule.cleared"
    PERMISSIONS_CHANGED = "permissions.changed"
    EMAIL_FAILED = "email.failed"
    WEBHOOK_FAILED = "webhook.failed"
    WEBHOOK_DISABLED = "webhook.disabled"

    @property
    def words(self) -> str:
        """What happened, as a sentence's verb phrase after the person it concerns."""
        return _WORDS[self]


_WORDS: dict[EventType, str] = {
    EventType.USER_CREATED: "was created and invited",
    EventType.USER_INVITED: "was sent a new invitation",
    EventType.USER_ACTIVATED: "set a password and became active",
    EventType.USER_UPDATED: "had their profile edited",
    EventType.USER_DELETED: "was deleted",
    EventType.USER_SUSPENDED: "was suspended",
    EventType.USER_REACTIVATED: "was reactivated",
    EventType.EMAIL_CHANGED: "had their email changed",
    EventType.SIGNED_IN: "signed in",
    EventType.MEMBER_ADDED: "joined",
    EventType.MEMBER_REMOVED: "left",
    EventType.ENROLLED: "was enrolled in",
    EventType.UNENROLLED: "was unenrolled from",
    EventType.PROGRESS: "made progress in",
    EventType.COMPLETED: "completed",
    EventType.CERTIFICATE_ISSUED: "was awarded a certificate in",
    EventType.CERTIFICATE_REVOKED: "had a certificate revoked in",
    EventType.ASSESSMENT_SUBMITTED: "submitted an assessment in",
    EventType.ASSESSMENT_GRADED: "was graded in",
    EventType.GRADE_RELEASED: "had a grade released in",
    EventType.JOB_REQUESTED: "has a bulk job waiting for approval",
    EventType.JOB_APPROVED: "had a bulk job approved",
    EventType.JOB_REJECTED: "had a bulk job rejected",
    EventType.JOB_FINISHED: "had a bulk job finish",
    EventType.RULE_SAVED: "got a membership rule",
    EventType.RULE_CHANGED: "had its membership rule changed",
    EventType.RULE_CLEARED: "lost its membership rule",
    EventType.PERMISSIONS_CHANGED: "had their manager permissions changed",
    EventType.EMAIL_FAILED: "could not be emailed",
    EventType.WEBHOOK_FAILED: "had a webhook delivery fail for good",
    EventType.WEBHOOK_DISABLED: "had a webhook endpoint disabled",
}

TAKES_OBJECT = frozenset(
    {
        EventType.MEMBER_ADDED,
        EventType.MEMBER_REMOVED,
        EventType.ENROLLED,
        EventType.UNENROLLED,
        EventType.PROGRESS,
        EventType.COMPLETED,
        EventType.CERTIFICATE_ISSUED,
        EventType.CERTIFICATE_REVOKED,
        EventType.ASSESSMENT_SUBMITTED,
        EventType.ASSESSMENT_GRADED,
        EventType.GRADE_RELEASED,
    }
)
"""Types whose words end on what the event is about (a group, a course): "joined"
*Sales Team*; the others name it after ("was created and invited, in *Sales Team*")."""

CARD_EVENTS: dict[CardAction, EventType] = {
    CardAction.EDITED: EventType.USER_UPDATED,
    CardAction.SUSPENDED: EventType.USER_SUSPENDED,
    CardAction.REACTIVATED: EventType.USER_REACTIVATED,
    CardAction.PROGRESS_SET: EventType.PROGRESS,
    CardAction.COMPLETED: EventType.COMPLETED,
    CardAction.PROGRESS_RESET: EventType.PROGRESS,
    CardAction.EMAIL_CHANGED: EventType.EMAIL_CHANGED,
    CardAction.CREATED: EventType.USER_CREATED,
    CardAction.INVITATION_RESENT: EventType.USER_INVITED,
    CardAction.DELETED: EventType.USER_DELETED,
    CardAction.ENROLLED: EventType.ENROLLED,
    CardAction.UNENROLLED: EventType.UNENROLLED,
}
"""The school event each change made from a person's card is."""

BULK_ROWS: dict[RowOutcome, EventType] = {
    RowOutcome.CREATED: EventType.MEMBER_ADDED,
    RowOutcome.ADDED: EventType.MEMBER_ADDED,
    RowOutcome.REMOVED: EventType.MEMBER_REMOVED,
    RowOutcome.ENROLLED: EventType.ENROLLED,
    RowOutcome.UNENROLLED: EventType.UNENROLLED,
    RowOutcome.PROGRESS_SET: EventType.PROGRESS,
    RowOutcome.DELETED: EventType.USER_DELETED,
}
"""The event one applied row of a bulk job is, one per person; a progress of 100 is a
completion. Rows that changed nothing (already a member, kept) are none."""

JOB_STATES: dict[JobState, EventType] = {
    JobState.PENDING: EventType.JOB_REQUESTED,
    JobState.APPROVED: EventType.JOB_APPROVED,
    JobState.REJECTED: EventType.JOB_REJECTED,
    JobState.DONE: EventType.JOB_FINISHED,
    JobState.DONE_WITH_ERRORS: EventType.JOB_FINISHED,
    JobState.FAILED: EventType.JOB_FINISHED,
}
"""The states of a bulk job's life that are school events."""


class How(StrEnum):
    """How a change came about, as the log and the feed say it."""

    HAND = "hand"
    RULE = "rule"
    BULK = "bulk"
    PLAYER = "player"
    """Reported by the course player over the activity API."""
    SYSTEM = "system"
    """Roster itself: a delivery that gave up, a sign-in on the learner pages."""


@dataclass(frozen=True, slots=True)
class Cause:
    """Who made a change and how, handed to the store that makes it."""

    how: How
    by: int | None = None
    """The school user who did it; None for the course player and Roster itself."""
    job_id: int | None = None

    @staticmethod
    def hand(by: int | None) -> Cause:
        return Cause(How.HAND, by)

    @staticmethod
    def bulk(job_id: int, by: int | None) -> Cause:
        return Cause(How.BULK, by, job_id)


PLAYER = Cause(How.PLAYER)
SYSTEM = Cause(How.SYSTEM)
RULE = Cause(How.RULE)


@dataclass(frozen=True, slots=True)
class SchoolEvent:
    """One change, as recorded; ``id`` is 0 until storage numbers it."""

    type: EventType
    occurred_at: datetime
    cause: Cause
    user_id: int | None = None
    group_id: int | None = None
    course_id: int | None = None
    detail: str = ""
    """What a reader needs beyond the type: a percentage, an old and new address."""
    id: int = 0


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the log shows it, with the names of what it concerns as they are now."""

    event: SchoolEvent
    user: str
    """The person's email, or ``deleted user #<id>`` once they are gone."""
    actor: str
    group: str
    course: str


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of the log ended: the last event shown, newest first."""

    occurred_at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What ``/group log events`` narrows to; ``groups`` is the caller's reach (None: the
    whole school), ``group_id`` the one group they asked for. A group's events include
    those of no group (sign-ins, completions, card changes) about its members."""

    types: frozenset[EventType] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    group_id: int | None = None
    user_id: int | None = None
    groups: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    items: tuple[LoggedEvent, ...]
    next: Cursor | None
    """Where the next page starts; None on the last page."""


def joining(
    cause: Cause,
    at: datetime,
    user_id: int,
    group_id: int,
    created: bool,
    enrolled: Sequence[Course],
) -> list[SchoolEvent]:
    """A person joining a group one by one: created (if new), added, and enrolled in
    each of the group's courses they were not in."""
    created_events = [SchoolEvent(EventType.USER_CREATED, at, cause, user_id, group_id)]
    return [
        *(created_events if created else []),
        SchoolEvent(EventType.MEMBER_ADDED, at, cause, user_id, group_id),
        *(SchoolEvent(EventType.ENROLLED, at, cause, user_id, group_id, c.id) for c in enrolled),
    ]


MILESTONES = (25, 50, 75)
"""The progress marks worth an event; 100 is a completion, an event of its own."""


def passed(before: int, after: int) -> list[int]:
    """The milestones crossed going from ``before`` to ``after`` percent."""
    return [mark for mark in MILESTONES if before < mark <= after]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel following events as they happen: of one group, or (``group_id`` None)
    the whole school; of some types, or all when ``types`` is empty."""

    id: int
    channel: str
    group_id: int | None
    group: str
    types: frozenset[EventType]
    cursor: int

    def wants(self) -> EventFilter:
        return EventFilter(types=self.types, group_id=self.group_id)
