"""The Review Center and the Gradebook: responses waiting for a grader, grades and
their history.

A submission moves pending -> graded -> released. Every change to a grade is
kept with before and after, who, when and why; an edit needs its reason, so the
history answers "why did this grade change" without asking anyone. A grader
claims a response before grading it and everyone else sees the claim, so two
graders never mark the same work."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from domain.clock import Clock, utc_now
from domain.emails import EmailService
from domain.entities import Actor, Group, Page
from domain.grading.model import (
    _GRADED,
    ClaimedByOther,
    Gradebook,
    GradeChange,
    GradeChangeKind,
    Grading,
    NotGraded,
    NotPending,
    Regrade,
    Submission,
    SubmissionNotFound,
    SubmissionState,
    _feedback,
    parse_reason,
    parse_score,
    score_words,
)
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
        if (
            found.claimed_by is not None
            and holder is not None
            and not await self._store.grading.unclaim(submission_id, holder)
        ):
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
