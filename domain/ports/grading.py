"""Assessments' submissions, their grades and every change to them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from domain.entities import Page
from domain.grading.model import (
    Gradebook,
    GradeChange,
    Grading,
    Regrade,
    Submission,
    SubmissionState,
)
from domain.letters import OutgoingEmail


class GradingStore(Protocol):
    async def queue(
        self, group_ids: Collection[int] | None, *, offset: int, limit: int
    ) -> Page[Submission]:
        """Pending submissions, oldest first, of learners in any of ``group_ids``
        (None: everyone)."""
        ...

    async def submission(self, submission_id: int) -> Submission | None: ...
    async def claim(self, submission_id: int, user_id: int | None, now: datetime) -> bool:
        """Compare-and-set: claims a pending submission nobody else holds (or the same
        person already does). False when someone else holds it, or it is no longer
        pending."""
        ...

    async def unclaim(self, submission_id: int, user_id: int) -> bool:
        """Compare-and-set: frees a claim ``user_id`` holds; False otherwise."""
        ...

    async def grade(self, grading: Grading) -> bool:
        """Compare-and-set pending -> graded (or released), with its history and
        emails in the same transaction; False when it was not pending."""
        ...

    async def history(self, submission_id: int) -> list[GradeChange]: ...
    async def graded(
        self, group_ids: Collection[int] | None, *, offset: int, limit: int
    ) -> Page[Submission]:
        """Graded and released submissions, latest graded first."""
        ...

    async def gradebook(
        self, group_id: int, course_ids: Collection[int] | None, *, offset: int, limit: int | None
    ) -> Gradebook:
        """Members by username, a page of them (``limit`` None: all), against the
        assessments of the group's courses (or of ``course_ids``)."""
        ...

    async def of_learner(self, group_id: int, user_id: int) -> list[Submission]:
        """The learner's attempts in the group's courses, when they are its member."""
        ...

    async def histories(self, submission_ids: Collection[int]) -> dict[int, list[GradeChange]]: ...
    async def unreleased(
        self, assessment_id: int, group_ids: Collection[int] | None
    ) -> list[Submission]:
        """Graded, not released responses to the assessment, of learners in ``group_ids``."""
        ...

    async def release(
        self, emails: Mapping[int, Sequence[OutgoingEmail]], *, by: int | None, now: datetime
    ) -> list[Submission]:
        """Compare-and-set graded -> released for each submission id of ``emails``, with a
        history row and its emails; returns those it released."""
        ...

    async def released_of(self, user_id: int) -> list[Submission]:
        """The grades a learner has been given (released), newest first."""
        ...

    async def regrade(self, regrade: Regrade, *, states: Collection[SubmissionState]) -> bool:
        """Compare-and-set from one of ``states``: an edit (new score and feedback) or a
        reset (set aside), with its history row and emails; False when it was in none."""
        ...
