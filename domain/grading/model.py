"""Assessments, submissions and their grades as records, with the errors grading
raises and the pure rules of scores, feedback and reasons."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.entities import Page, User
from domain.errors import DomainError, InvalidInput, NotFound
from domain.letters import OutgoingEmail

MAX_FEEDBACK = 2000
MAX_REASON = 500


class SubmissionState(StrEnum):
    PENDING = "pending"
    GRADED = "graded"
    RELEASED = "released"
    RESET = "reset"
    """Set aside so the learner may retake; kept, with its grade, in the history."""


class GradeChangeKind(StrEnum):
    SCORED = "scored"
    """By the course player: no person graded it, and the learner saw it there."""
    GRADED = "graded"
    EDITED = "edited"
    RESET = "reset"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class Submission:
    """One attempt, with what a grader needs to see about it."""

    id: int
    learner: User
    course_title: str
    assessment_id: int
    assessment_title: str
    max_score: float
    pass_mark: float | None
    attempt: int
    submitted_at: datetime
    responses: str
    auto_score: float | None
    score: float | None
    feedback: str
    state: SubmissionState
    claimed_by: int | None
    claimed_by_name: str
    claimed_by_slack: str | None
    group_ids: frozenset[int]
    """The learner's groups: a manager reaches the submission through one of theirs."""
    graded_at: datetime | None = None

    @property
    def passed(self) -> bool | None:
        """None while ungraded or when the assessment has no pass mark."""
        if self.score is None or self.pass_mark is None:
            return None
        return self.score >= self.pass_mark


@dataclass(frozen=True, slots=True)
class GradeChange:
    kind: GradeChangeKind
    before: float | None
    after: float | None
    by_name: str
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    course_id: int
    course_title: str
    title: str
    kind: str
    max_score: float
    pass_mark: float | None


@dataclass(frozen=True, slots=True)
class Cell:
    """A learner's standing in one assessment: their latest attempt not reset."""

    state: SubmissionState
    score: float | None
    attempt: int
    passed: bool | None


@dataclass(frozen=True, slots=True)
class GradebookRow:
    learner: User
    cells: dict[int, Cell]
    """By assessment id; an assessment missing here was never submitted."""


@dataclass(frozen=True, slots=True)
class Gradebook:
    """A page of a group's learners against every assessment of its (or one) course."""

    assessments: tuple[Assessment, ...]
    rows: Page[GradebookRow]


@dataclass(frozen=True, slots=True)
class Regrade:
    """An edit or a reset, with its reason, as the store records it in one transaction."""

    submission_id: int
    kind: GradeChangeKind
    before: float | None
    score: float | None
    feedback: str
    by: int | None
    at: datetime
    reason: str
    emails: tuple[OutgoingEmail, ...]


@dataclass(frozen=True, slots=True)
class Grading:
    """What a grader decided, as the store records it in one transaction."""

    submission_id: int
    score: float
    feedback: str
    by: int | None
    at: datetime
    release: bool
    emails: tuple[OutgoingEmail, ...]


class SubmissionNotFound(NotFound):
    """No submission with this id, or none the caller may reach."""

    kind = "submission"


class ClaimedByOther(DomainError):
    """Another grader holds this response."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        super().__init__(f"submission #{submission.id} is claimed by {submission.claimed_by_name}")


class NotGraded(DomainError):
    """Only a graded response can be edited, and a reset one is set aside for good."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        super().__init__(f"submission #{submission.id} is {submission.state.value}")


_GRADED = (SubmissionState.GRADED, SubmissionState.RELEASED)


class NotPending(DomainError):
    """The response was graded already (by someone else, or a moment ago)."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        super().__init__(f"submission #{submission.id} is {submission.state.value}")


def parse_score(text: str, maximum: float) -> float:
    """A typed score, checked against the assessment's maximum."""
    cleaned = text.strip().replace(",", ".")
    try:
        score = float(cleaned)
    except ValueError:
        raise InvalidInput(
            "score",
            f"{text.strip()!r} is not a number",
            fix=f"type a score from 0 to {_n(maximum)}",
        ) from None
    if not math.isfinite(score) or not 0 <= score <= maximum:
        raise InvalidInput(
            "score",
            f"{cleaned} is outside this assessment's range",
            fix=f"type a score from 0 to {_n(maximum)}",
        )
    return score


def _n(value: float) -> str:
    """8.0 as 8, 8.5 as 8.5: how a person writes a score."""
    return f"{value:g}"


def score_words(submission: Submission) -> str:
    """e.g. "8 of 10 (passed)", for messages and emails alike."""
    if submission.score is None:
        return "not graded"
    words = f"{_n(submission.score)} of {_n(submission.max_score)}"
    if submission.passed is not None:
        words += " (passed)" if submission.passed else " (not passed)"
    return words


def parse_reason(text: str, *, what: str) -> str:
    """Why a grade changes: required, so the history can answer later."""
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput(
            "reason",
            f"{what} needs its reason",
            fix="say why, e.g. 'second marker agreed a higher score'",
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "reason", f"the reason has {len(reason)} characters", fix=f"keep it to {MAX_REASON}"
        )
    return reason


def _feedback(text: str) -> str:
    feedback = text.strip()
    if len(feedback) > MAX_FEEDBACK:
        raise InvalidInput(
            "feedback",
            f"feedback has {len(feedback)} characters",
            fix=f"keep it to {MAX_FEEDBACK}",
        )
    return feedback
