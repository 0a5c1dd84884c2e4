"""Bulk actions as jobs: checked, approved by an admin, then applied in chunks.

A job keeps every row of its file (staged before anything is applied), the
decision and the counts; it is also the User action log. Each chunk is applied
in one transaction with its checkpoint, so a worker killed at any moment
resumes with exactly the state a clean run gives. State changes are
compare-and-set: a double click, a retried delivery or a second admin
approving the same job changes it once."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain.bulk.model import (
    FOR_COURSE,
    BulkJob,
    CheckCounts,
    ItemResult,
    JobKind,
    JobMoved,
    JobNotFound,
    JobOptions,
    JobState,
    NothingToImport,
)
from domain.bulk.sheet import StagedRow, Tally
from domain.clock import Clock, utc_now
from domain.emails import EmailService
from domain.entities import Actor, Course, Group, User
from domain.errors import InvalidInput
from domain.letters import OutgoingEmail, Trigger
from domain.log_filter import LogFilter
from domain.permissions import Capability, require
from domain.ports import Store
from domain.ports.hooks import Changed
from domain.validation import normalize_reason

OUTSIDE_GROUPS = (
    "not in your groups only: this person is in no group you manage, or also in one "
    "you don't; an admin must delete them"
)
PREVIEW_OUTSIDE = 10
ENROL_SETTING = "imports.enrol_in_courses"
"""Whether an approved import may enrol people in the group's courses."""
LOG_PAGE = 20


class BulkJobs:
    """The rules of a bulk job's life; storage makes each step atomic."""

    def __init__(
        self,
        store: Store,
        mail: EmailService,
        *,
        env_admins: Iterable[str] = (),
        changed: Changed,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._mail = mail
        self._changed = changed
        self._env_admins = frozenset(env_admins)
        """Slack ids of the admins named in the environment: never deleted in bulk."""
        self._clock = clock

    async def stage(
        self,
        actor: Actor,
        group: Group,
        filename: str,
        tally: Tally,
        chunks: AsyncIterable[Sequence[StagedRow]],
        kind: JobKind = JobKind.ADD_MEMBERS,
    ) -> BulkJob:
        """Keeps every row of a checked file, then counts what it would change."""
        self.may_stage(actor, group, kind)
        jobs = self._store.bulk
        job = await jobs.create(
            kind=kind,
            group=group,
            filename=filename,
            columns=tally.columns,
            uploaded_by=actor.user_id,
            notes=tuple(tally.notes),
        )
        try:
            async for chunk in chunks:
                await jobs.stage(job.id, chunk)
        except BaseException:
            reason = "Staging the rows failed; upload the file again."
            await jobs.finish_failed(job.id, reason, self._clock())
            raise
        outside, first_outside = await self._mark_outside(actor, job.id, kind)
        new, existing, already = await jobs.preview_counts(job.id, group.id)
        counts = CheckCounts(
            ready=tally.ready_rows - outside,
            rejected=tally.rejected,
            blank_rows=tally.blank_rows,
            new_users=new,
            existing_users=existing,
            already_members=already,
            first_problems=tuple(tally.first_problems),
            free_seats=None
            if group.seat_limit is None
            else max(group.seat_limit - group.member_count, 0),
            outside=outside,
            first_outside=first_outside,
        )
        return await jobs.checked(job.id, counts, rows_total=tally.ready_rows + tally.rejected)

    async def _mark_outside(
        self, actor: Actor, job_id: int, kind: JobKind
    ) -> tuple[int, tuple[str, ...]]:
        """A manager's bulk delete reaches only people whose every group is theirs; the
        others stay in the file as rows that will be skipped, and are counted apart."""
        if kind is not JobKind.DELETE_USERS or actor.is_admin:
            return 0, ()
        return await self._store.bulk.mark_outside(
            job_id, actor.managed_group_ids, OUTSIDE_GROUPS, first=PREVIEW_OUTSIDE
        )

    async def _delete_scope(self, job: BulkJob) -> frozenset[int] | None:
        """The groups whose people the job may delete: the uploader's, read now (an
        admin's upload: everyone). An uploader who has since left the school leaves
        no authority behind, so nobody."""
        uploader = job.uploaded_by
        if uploader is None:
            return frozenset()
        if uploader.is_admin or uploader.slack_user_id in self._env_admins:
            return None
        return await self._store.users.managed_group_ids(uploader.id)

    def may_stage(self, actor: Actor, group: Group, kind: JobKind) -> None:
        """Checked before a file is even read, so a refusal comes at once."""
        require(actor, Capability.BULK_ACTIONS, group)
        if kind is JobKind.DELETE_USERS:
            require(actor, Capability.DELETE_USER, group)
        if kind is JobKind.UPDATE_PROGRESS:
            require(actor, Capability.UPDATE_PROGRESS, group)

    async def stage_members(
        self, actor: Actor, group: Group, course: Course, kind: JobKind
    ) -> BulkJob:
        """Enrolling or unenrolling a group's members: the rows are the members now."""
        require(actor, Capability.BULK_ACTIONS, group)
        jobs = self._store.bulk
        job = await jobs.create(
            kind=kind,
            group=group,
            filename="",
            columns=("username", "email"),
            uploaded_by=actor.user_id,
            notes=(),
            course=course,
        )
        members = await jobs.stage_members(job.id, group.id)
        enrolled = await jobs.enrolled_count(job.id, course.id)
        changing = members - enrolled if kind is JobKind.ENROL else enrolled
        counts = CheckCounts(
            ready=members, existing_users=changing, already_members=members - changing
        )
        return await jobs.checked(job.id, counts, rows_total=members)

    async def posted(self, job_id: int, channel: str, ts: str) -> None:
        """Where the preview is: the thread every later message goes to."""
        await self._store.bulk.set_fields(job_id, channel=channel, thread_ts=ts)

    async def send_for_approval(self, actor: Actor, job_id: int) -> tuple[BulkJob, bool]:
        """(job, whether this call sent it): a double click sends it once."""
        job = await self._own(actor, job_id)
        if job.check.ready == 0:
            raise NothingToImport()
        return await self._move(job, {JobState.CHECKED}, JobState.PENDING, "send it for approval")

    async def cancel(self, actor: Actor, job_id: int) -> tuple[BulkJob, bool]:
        job = await self._own(actor, job_id)
        waiting = {JobState.CHECKED, JobState.PENDING}
        return await self._move(job, waiting, JobState.CANCELLED, "cancel it")

    async def enrol_allowed(self) -> bool:
        return bool(await self._store.settings.get(ENROL_SETTING, False))

    async def set_enrol_allowed(self, actor: Actor, allowed: bool) -> None:
        require(actor, Capability.APPROVE_BULK)
        await self._store.settings.put(ENROL_SETTING, allowed)

    async def for_review(self, actor: Actor, job_id: int) -> tuple[BulkJob, bool]:
        """The job and whether enrolling may be offered; admins only."""
        require(actor, Capability.APPROVE_BULK)
        job = await self._job(job_id)
        if job.state is not JobState.PENDING:
            raise JobMoved(job, "review it")
        return job, await self.enrol_allowed()

    async def decide(
        self, actor: Actor, job_id: int, *, approve: bool, options: JobOptions, reason: str
    ) -> tuple[BulkJob, bool]:
        """(job, whether this call decided it). A repeat of a decision already
        made returns the job unchanged; a different decision is refused."""
        require(actor, Capability.APPROVE_BULK)
        job = await self._job(job_id)
        reason = normalize_reason(reason)
        if not approve and not reason:
            raise InvalidInput("reason", "Say why, so the uploader knows what to change.")
        if approve and job.check.rejected and not options.skip_bad:
            raise InvalidInput(
                "options",
                f"{job.check.rejected:,} row(s) have problems. Tick “Apply the valid rows and "
                "skip the bad one(s)”, or reject and ask for a fixed file.",
            )
        if approve and options.enrol and not await self.enrol_allowed():
            options = replace(options, enrol=False)
        target = JobState.APPROVED if approve else JobState.REJECTED
        moved = await self._store.bulk.move(
            job.id,
            {JobState.PENDING},
            target,
            decided_by=actor.user_id,
            decided_at=self._clock(),
            options=options,
            reason=reason,
        )
        if moved is not None:
            return moved, True
        job = await self._job(job_id)
        approved = {JobState.APPROVED, JobState.RUNNING, JobState.DONE, JobState.DONE_WITH_ERRORS}
        if job.state in (approved if approve else {JobState.REJECTED}):
            return job, False
        raise JobMoved(job, "decide on it")

    async def log(self, actor: Actor, wanted: LogFilter[JobKind]) -> list[BulkJob]:
        """Bulk actions the actor may see: all for admins, their groups' for managers."""
        if actor.is_admin:
            groups = None
        else:
            require(actor, Capability.BULK_ACTIONS)
            groups = actor.managed_group_ids
        return await self._store.bulk.log(
            group_ids=groups, kind=wanted.kind, since=wanted.since, limit=LOG_PAGE
        )

    async def on_group(self, actor: Actor, group: Group, *, since: datetime) -> list[BulkJob]:
        """The bulk actions on one group since ``since``, newest first (a scheduled
        report's body); reading them needs *Bulk actions* on that group."""
        require(actor, Capability.BULK_ACTIONS, group)
        return await self._store.bulk.log(
            group_ids=[group.id], kind=None, since=since, limit=LOG_PAGE
        )

    async def fail_interrupted_checks(self) -> int:
        """Checks cut short by a restart: the preview never came, so say it failed."""
        return await self._store.bulk.fail_state(
            JobState.CHECKING, "Roster restarted while checking the file; upload it again."
        )

    async def claim(self, runner: str, lease: timedelta) -> BulkJob | None:
        """The next job for this runner, held for ``lease``: with several processes,
        one works on a job at a time, and another resumes it if this one dies."""
        now = self._clock()
        return await self._store.bulk.claim(owner=runner, now=now, until=now + lease)

    async def renew(self, job: BulkJob, runner: str, lease: timedelta) -> bool:
        """Called between chunks; False if the lease ran out and another runner has it."""
        return await self._store.bulk.renew(job.id, owner=runner, until=self._clock() + lease)

    async def release(self, job: BulkJob, runner: str) -> None:
        await self._store.bulk.release(job.id, owner=runner)

    async def start(self, job: BulkJob) -> BulkJob:
        if job.state is JobState.APPROVED:
            moved = await self._store.bulk.move(
                job.id, {JobState.APPROVED}, JobState.RUNNING, started_at=self._clock()
            )
            return moved or await self._job(job.id)
        return job

    async def run_chunk(self, job: BulkJob, limit: int) -> BulkJob:
        """Applies the next ``limit`` rows, with their emails, in one transaction, then
        tells the membership rules whose data changed."""
        done = await self._apply_chunk(job, limit)
        if done.checkpoint > job.checkpoint:
            ids = await self._store.bulk.user_ids(
                job.id, after=job.checkpoint, upto=done.checkpoint
            )
            self._changed(ids, f"bulk action #{job.id} ({job.kind.value})")
        return done

    async def _apply_chunk(self, job: BulkJob, limit: int) -> BulkJob:
        group = await self._store.groups.get(job.group_id) if job.group_id else None
        if group is None:
            return await self._store.bulk.finish_failed(
                job.id, "The group was deleted before the import finished.", self._clock()
            )
        enabled = await self._mail.enabled()
        if not job.options.invite:
            enabled -= {Trigger.INVITATION}
        now, jobs = self._clock(), self._store.bulk

        def welcome(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
            return self._mail.for_new_member(
                enabled, user, group, created=created, enrolled=enrolled
            )

        def courses(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
            if Trigger.COURSE_ENROLLMENT not in enabled or not enrolled:
                return []
            return [self._mail.letters.enrolled(user, enrolled)]

        if job.kind is JobKind.REMOVE_MEMBERS:
            return await jobs.apply_remove_chunk(job, limit=limit, now=now)
        if job.kind is JobKind.UPDATE_PROGRESS:
            return await jobs.apply_progress_chunk(job, limit=limit, now=now)
        if job.kind is JobKind.DELETE_USERS:
            keep, scope = self._env_admins, await self._delete_scope(job)
            return await jobs.apply_delete_chunk(job, limit=limit, keep=keep, scope=scope, now=now)
        if job.kind in FOR_COURSE and job.course_id is None:
            reason = f"The course {job.course_title} was deleted before the job finished."
            return await jobs.finish_failed(job.id, reason, now)
        if job.kind in FOR_COURSE:
            enrol = job.kind is JobKind.ENROL
            return await jobs.apply_course_chunk(
                job, limit=limit, enrol=enrol, compose=courses, now=now
            )
        return await jobs.apply_add_chunk(
            job, limit=limit, enrol=job.options.enrol, compose=welcome, now=now
        )

    async def progress_posted(self, job_id: int, ts: str) -> None:
        await self._store.bulk.set_fields(job_id, progress_ts=ts)

    async def reported(self, job_id: int) -> None:
        await self._store.bulk.set_fields(job_id, reported_at=self._clock())

    async def summary_posted(self, job_id: int, ts: str) -> None:
        """Where the summary is, so a retried report never posts it twice."""
        await self._store.bulk.set_fields(job_id, summary_ts=ts)

    async def report_failed(self, job_id: int, *, retry_in: timedelta) -> BulkJob:
        """Counts a failed report; the job is offered to a runner again after ``retry_in``."""
        return await self._store.bulk.report_failed(job_id, retry_at=self._clock() + retry_in)

    async def prune_rows(self, *, keep: timedelta, limit: int) -> bool:
        """Deletes a batch of the staged rows of a job finished more than ``keep`` ago;
        False when there is nothing left to prune.

        The rows are the uploaded file, kept for the results file; once that is
        posted and the retention period has passed they only hold personal data.
        The job's counts and its line in the User action log stay. Jobs waiting for
        approval, running or not yet reported keep their rows.
        """
        now = self._clock()
        return await self._store.bulk.prune_rows(finished_before=now - keep, limit=limit, now=now)

    async def results(
        self, job_id: int, after: int, limit: int, *, problems_only: bool = False
    ) -> list[ItemResult]:
        return await self._store.bulk.results(
            job_id, after=after, limit=limit, problems_only=problems_only
        )

    async def _own(self, actor: Actor, job_id: int) -> BulkJob:
        """Whoever may run bulk actions in the job's group may send or drop its file,
        as may admins (who alone act on jobs whose group is gone)."""
        job = await self._job(job_id)
        group = await self._store.groups.get(job.group_id) if job.group_id else None
        if group is None:
            require(actor, Capability.APPROVE_BULK)
        else:
            require(actor, Capability.BULK_ACTIONS, group)
        return job

    async def _job(self, job_id: int) -> BulkJob:
        job = await self._store.bulk.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    async def _move(
        self, job: BulkJob, allowed: set[JobState], target: JobState, wanted: str
    ) -> tuple[BulkJob, bool]:
        moved = await self._store.bulk.move(job.id, allowed, target)
        if moved is not None:
            return moved, True
        job = await self._job(job.id)
        if job.state is target:
            return job, False
        raise JobMoved(job, wanted)
