"""The Review Center and the Gradebook: responses waiting for a grader, grades and
their history.

A submission moves pending -> graded -> released. Every change to a grade is
kept with before and after, who, when and why; an edit needs its reason, so the
history answers "why did this grade change" without asking anyone. A grader
claims a response before grading it and everyone else sees the claim, so two
graders never mark the same work.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.clock import Clock, utc_now
from domain.emails import EmailService
from domain.entities import Actor, Group, Page, User
from domain.errors import DomainError, InvalidInput, NotFound
from domain.letters import OutgoingEmail, Trigger
from domain.permissions import Capability, require
from domain.ports import Store

QUEUE_PAGE = 10
"""Responses a queue message shows; each takes a few blocks of Slack's 50."""
GRADEBOOK_PAGE = 20
"""Learners a gradebook message shows: one section each, of Slack's 50 blocks."""

RELEASE_KEY = "grades.release_at_once"
"""School setting: graded responses reach the learner at once (default), or wait for
*Release grades*."""
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


class GradingService:
    def __init__(self, store: Store, emails: EmailService, clock: Clock = utc_now) -> None:
        self._store = store
        self._emails = emails
        self._clock = clock

    async def queue(
        self, actor: Actor, group: Group | None, *, offset: int = 0
    ) -> Page[Submission]:
        """Responses waiting for a grader, in ``group`` or every group the caller manages."""
        require(actor, Capability.REVIEW_CENTER, group)
        scope = self._scope(actor, group)
        return await self._store.grading.queue(scope, offset=max(offset, 0), limit=QUEUE_PAGE)

    async def reachable(self, actor: Actor, submission_id: int) -> Submission:
        """The submission, if the caller may review it; one they may not is not found."""
        require(actor, Capability.REVIEW_CENTER)
        found = await self._store.grading.submission(submission_id)
        if found is None or not (actor.is_admin or found.group_ids & actor.managed_group_ids):
            raise SubmissionNotFound(f"#{submission_id}")
        return found

    async def claim(self, actor: Actor, submission_id: int) -> Submission:
        """Marks the caller as its grader, for everyone to see; claiming twice is harmless."""
        await self.reachable(actor, submission_id)
        if not await self._store.grading.claim(submission_id, actor.user_id, self._clock()):
            await self._refuse(actor, submission_id)
        return await self.reachable(actor, submission_id)

    async def unclaim(self, actor: Actor, submission_id: int) -> Submission:
        """Lets go of a claim; an admin may also free one a grader left behind."""
        found = await self.reachable(actor, submission_id)
        holder = found.claimed_by if actor.is_admin else actor.user_id
        held = found.claimed_by is not None and holder is not None
        if held and not await self._store.grading.unclaim(submission_id, holder):
            await self._refuse(actor, submission_id)
        return await self.reachable(actor, submission_id)

    async def for_grading(self, actor: Actor, submission_id: int) -> Submission:
        """The submission to open in the grading form: pending, and not someone else's."""
        found = await self.reachable(actor, submission_id)
        self._check_open(actor, found)
        return found

    async def grade(
        self, actor: Actor, submission_id: int, *, score: str, feedback: str
    ) -> Submission:
        """Graded, with its history; released and emailed at once when the school's
        grade email is on (otherwise it waits for *Release grades*)."""
        found = await self.reachable(actor, submission_id)
        self._check_open(actor, found)
        points = parse_score(score, found.max_score)
        words = _feedback(feedback)
        release = await self.releases_at_once()
        graded = _with_grade(found, points, words)
        tell = release and Trigger.GRADE_RELEASED in await self._emails.enabled()
        emails = (self._grade_email(graded),) if tell else ()
        grading = Grading(
            submission_id, points, words, actor.user_id, self._clock(), release, emails
        )
        if not await self._store.grading.grade(grading):
            await self._refuse(actor, submission_id)
        return await self.reachable(actor, submission_id)

    async def graded(
        self, actor: Actor, group: Group | None, *, offset: int = 0
    ) -> Page[Submission]:
        """Graded and released responses, latest first: the Review Center's graded tab."""
        require(actor, Capability.REVIEW_CENTER, group)
        scope = self._scope(actor, group)
        return await self._store.grading.graded(scope, offset=max(offset, 0), limit=QUEUE_PAGE)

    async def for_edit(self, actor: Actor, submission_id: int) -> Submission:
        found = await self.reachable(actor, submission_id)
        if found.state not in _GRADED:
            raise NotGraded(found)
        return found

    async def edit(
        self, actor: Actor, submission_id: int, *, score: str, feedback: str, reason: str
    ) -> Submission:
        """A new score or feedback for a graded response, with the reason it needs; a
        learner who already has the grade is emailed the new one."""
        found = await self.for_edit(actor, submission_id)
        why = parse_reason(reason, what="an edit to a grade")
        points = parse_score(score, found.max_score)
        words = _feedback(feedback)
        changed = _with_grade(found, points, words)
        tell = found.state is SubmissionState.RELEASED and (
            Trigger.GRADE_RELEASED in await self._emails.enabled()
        )
        emails = (self._grade_email(changed),) if tell else ()
        regrade = Regrade(
            found.id,
            GradeChangeKind.EDITED,
            found.score,
            points,
            words,
            actor.user_id,
            self._clock(),
            why,
            emails,
        )
        if not await self._store.grading.regrade(regrade, states=_GRADED):
            raise NotGraded(await self.reachable(actor, submission_id))
        return await self.reachable(actor, submission_id)

    async def reset(self, actor: Actor, submission_id: int, *, reason: str) -> Submission:
        """Sets a graded attempt aside so the learner may retake it: the attempt, its
        grade and this reset stay in the history; the next submission is a new attempt."""
        found = await self.reachable(actor, submission_id)
        if found.state is SubmissionState.RESET:
            raise NotGraded(found)
        why = parse_reason(reason, what="a reset")
        regrade = Regrade(
            found.id,
            GradeChangeKind.RESET,
            found.score,
            None,
            found.feedback,
            actor.user_id,
            self._clock(),
            why,
            (),
        )
        states = (*_GRADED, SubmissionState.PENDING)
        if not await self._store.grading.regrade(regrade, states=states):
            raise NotGraded(await self.reachable(actor, submission_id))
        return await self.reachable(actor, submission_id)

    async def gradebook(
        self, actor: Actor, group: Group, course_ids: Collection[int] | None, *, offset: int = 0
    ) -> Gradebook:
        """The group's learners against the assessments of its courses (or ``course_ids``)."""
        require(actor, Capability.GRADEBOOK, group)
        return await self._store.grading.gradebook(
            group.id, course_ids, offset=max(offset, 0), limit=GRADEBOOK_PAGE
        )

    async def export(
        self, actor: Actor, group: Group, course_ids: Collection[int] | None
    ) -> Gradebook:
        """Every learner of the group, for the assessment results workbook."""
        require(actor, Capability.GRADEBOOK, group)
        return await self._store.grading.gradebook(group.id, course_ids, offset=0, limit=None)

    async def learner_record(
        self, actor: Actor, group: Group, user_id: int
    ) -> tuple[list[Submission], dict[int, list[GradeChange]]]:
        """Every attempt of one learner of the group, with each attempt's history."""
        require(actor, Capability.GRADEBOOK, group)
        attempts = await self._store.grading.of_learner(group.id, user_id)
        return attempts, await self._store.grading.histories([a.id for a in attempts])

    async def releases_at_once(self) -> bool:
        return bool(await self._store.settings.get(RELEASE_KEY, True))

    async def set_release_at_once(self, actor: Actor, *, at_once: bool) -> bool:
        """Whether a grade reaches the learner when it is given, or on *Release grades*."""
        require(actor, Capability.MANAGE_NOTIFICATIONS)
        await self._store.settings.put(RELEASE_KEY, at_once)
        return at_once

    async def release(
        self, actor: Actor, group: Group | None, assessment_id: int
    ) -> list[Submission]:
        """Every graded, unreleased response to one assessment from the caller's learners
        (or ``group``'s) reaches its learner, with the grade email when it is on."""
        require(actor, Capability.REVIEW_CENTER, group)
        scope = self._scope(actor, group)
        waiting = await self._store.grading.unreleased(assessment_id, scope)
        tell = Trigger.GRADE_RELEASED in await self._emails.enabled()
        emails = {s.id: (self._grade_email(s),) if tell else () for s in waiting}
        return await self._store.grading.release(emails, by=actor.user_id, now=self._clock())

    async def of_learner(self, user_id: int) -> list[Submission]:
        """A signed-in learner's own released grades, for their page."""
        return await self._store.grading.released_of(user_id)

    def _scope(self, actor: Actor, group: Group | None) -> Collection[int] | None:
        if group is not None:
            return {group.id}
        return None if actor.is_admin else actor.managed_group_ids

    async def history(self, actor: Actor, submission_id: int) -> list[GradeChange]:
        await self.reachable(actor, submission_id)
        return await self._store.grading.history(submission_id)

    def _grade_email(self, graded: Submission) -> OutgoingEmail:
        return self._emails.letters.grade_released(
            graded.learner,
            course=graded.course_title,
            assessment=graded.assessment_title,
            score=score_words(graded),
            feedback=graded.feedback,
        )

    def _check_open(self, actor: Actor, found: Submission) -> None:
        if found.state is not SubmissionState.PENDING:
            raise NotPending(found)
        if found.claimed_by is not None and found.claimed_by != actor.user_id:
            raise ClaimedByOther(found)

    async def _refuse(self, actor: Actor, submission_id: int) -> None:
        """Why a compare-and-set failed, read afresh: graded meanwhile, or claimed."""
        now = await self.reachable(actor, submission_id)
        self._check_open(actor, now)
        raise NotPending(now)


def _with_grade(found: Submission, score: float, feedback: str) -> Submission:
    return replace(found, score=score, feedback=feedback, state=SubmissionState.GRADED)
