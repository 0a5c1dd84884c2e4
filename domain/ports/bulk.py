"""Bulk jobs: staged rows, state changes, chunks applied."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from domain.bulk.model import BulkJob, CheckCounts, ItemResult, JobKind, JobState
from domain.bulk.sheet import StagedRow
from domain.entities import Course, Group
from domain.ports.hooks import Compose


class BulkStore(Protocol):
    async def create(
        self,
        *,
        kind: JobKind,
        group: Group,
        filename: str,
        columns: Sequence[str],
        uploaded_by: int | None,
        notes: Sequence[str],
        course: Course | None = None,
    ) -> BulkJob:
        """A job in state "checking", before its rows are staged."""
        ...

    async def stage_members(self, job_id: int, group_id: int) -> int:
        """The group's members as the job's rows, in one statement; how many."""
        ...

    async def enrolled_count(self, job_id: int, course_id: int) -> int:
        """How many of the job's people are enrolled in the course."""
        ...

    async def stage(self, job_id: int, rows: Sequence[StagedRow]) -> None: ...
    async def preview_counts(self, job_id: int, group_id: int) -> tuple[int, int, int]:
        """(new to the school, in the school but not the group, already members)."""
        ...

    async def checked(self, job_id: int, counts: CheckCounts, *, rows_total: int) -> BulkJob: ...
    async def get(self, job_id: int) -> BulkJob | None: ...
    async def set_fields(self, job_id: int, **values: Any) -> None: ...
    async def move(
        self, job_id: int, allowed: Collection[JobState], target: JobState, **values: Any
    ) -> BulkJob | None:
        """Compare-and-set: moves the job only from an allowed state; None otherwise."""
        ...

    async def log(
        self,
        *,
        group_ids: Collection[int] | None,
        kind: JobKind | None,
        since: datetime | None,
        limit: int,
    ) -> list[BulkJob]: ...
    async def fail_state(self, state: JobState, reason: str) -> int: ...
    async def claim(self, *, owner: str, now: datetime, until: datetime) -> BulkJob | None:
        """The oldest approved or running job, or a finished one not yet reported whose
        next try at reporting is due by ``now``, that no other runner holds at ``now``;
        held by ``owner`` until ``until``."""
        ...

    async def renew(self, job_id: int, *, owner: str, until: datetime) -> bool:
        """Extends ``owner``'s hold; False if another runner has the job now."""
        ...

    async def release(self, job_id: int, *, owner: str) -> None: ...

    async def report_failed(self, job_id: int, *, retry_at: datetime) -> BulkJob:
        """Counts a failed try at reporting the job; the next is not before ``retry_at``."""
        ...

    async def prune_rows(self, *, finished_before: datetime, limit: int, now: datetime) -> bool:
        """Deletes at most ``limit`` staged rows of one job that finished before
        ``finished_before`` and is not waiting to be reported, marking it pruned once
        none are left; False when no job needs it."""
        ...

    async def finish_failed(self, job_id: int, reason: str, now: datetime) -> BulkJob: ...
    async def apply_add_chunk(
        self, job: BulkJob, *, limit: int, enrol: bool, compose: Compose, now: datetime
    ) -> BulkJob:
        """The next rows after the checkpoint, applied with the new checkpoint and
        their emails in one transaction; the last chunk also finishes the job."""
        ...

    async def apply_course_chunk(
        self, job: BulkJob, *, limit: int, enrol: bool, compose: Compose, now: datetime
    ) -> BulkJob:
        """Enrols the rows' people in the job's course (with the emails ``compose``
        gives for the newly enrolled), or ends their enrolments."""
        ...

    async def apply_progress_chunk(self, job: BulkJob, *, limit: int, now: datetime) -> BulkJob:
        """Sets each row's progress on the member's enrolment in the named course."""
        ...

    async def apply_delete_chunk(
        self,
        job: BulkJob,
        *,
        limit: int,
        keep: Collection[str],
        scope: Collection[int] | None,
        now: datetime,
    ) -> BulkJob:
        """Deletes the school users the rows name, with everything theirs; never an
        admin, nor the users linked to the Slack ids in ``keep``; with ``scope``, only
        people in at least one of those groups and in no other."""
        ...

    async def mark_outside(
        self, job_id: int, scope: Collection[int], problem: str, *, first: int
    ) -> tuple[int, tuple[str, ...]]:
        """Sets ``problem`` on the ready rows naming school users who are not only in
        the ``scope`` groups; (how many, the first ``first`` emails)."""
        ...

    async def apply_remove_chunk(self, job: BulkJob, *, limit: int, now: datetime) -> BulkJob:
        """Like :meth:`apply_add_chunk`, ending the memberships of the rows' emails."""
        ...

    async def results(
        self, job_id: int, *, after: int, limit: int, problems_only: bool
    ) -> list[ItemResult]: ...
    async def user_ids(self, job_id: int, *, after: int, upto: int) -> list[int]:
        """The school users named by the job's rows in (after, upto]."""
        ...
