"""Bulk jobs on both engines: state changes happen once, chunks only move forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.bulk.model import CheckCounts, JobKind, JobState, RunCounts
from domain.bulk.sheet import StagedRow
from storage.models import BulkJobItemRow, MembershipRow, UserRow
from storage.store import TortoiseStore
from tests.storage.test_stores import _group, no_mail


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


async def _running_job(store: TortoiseStore, rows: int):
    group = await _group(store, "Sales")
    job = await store.bulk.create(
        kind=JobKind.ADD_MEMBERS,
        group=group,
        filename="team.xlsx",
        columns=("username", "email"),
        uploaded_by=None,
        notes=(),
    )
    await store.bulk.stage(
        job.id, [StagedRow(n + 2, f"u{n}", f"u{n}@example.org") for n in range(rows)]
    )
    await store.bulk.checked(job.id, CheckCounts(ready=rows), rows_total=rows)
    await store.bulk.move(job.id, {JobState.CHECKED}, JobState.PENDING)
    await store.bulk.move(job.id, {JobState.PENDING}, JobState.APPROVED)
    running = await store.bulk.move(job.id, {JobState.APPROVED}, JobState.RUNNING)
    assert running is not None
    return running


async def test_a_state_change_happens_once(store: TortoiseStore) -> None:
    job = await _running_job(store, 1)
    assert await store.bulk.move(job.id, {JobState.APPROVED}, JobState.RUNNING) is None
    assert await store.bulk.move(job.id, {JobState.PENDING}, JobState.REJECTED) is None
    assert (await store.bulk.get(job.id)).state is JobState.RUNNING


async def test_chunks_apply_in_order_and_a_stale_copy_of_the_job_changes_nothing(
    store: TortoiseStore,
) -> None:
    job = await _running_job(store, 5)
    first = await store.bulk.apply_add_chunk(
        job, limit=2, enrol=False, compose=no_mail, now=job.created_at
    )
    assert (first.checkpoint, first.rows_done, first.state) == (3, 2, JobState.RUNNING)
    again = await store.bulk.apply_add_chunk(
        job, limit=2, enrol=False, compose=no_mail, now=job.created_at
    )
    assert again.checkpoint == 3, "a second runner holding the old checkpoint must not apply"
    assert await UserRow.filter(email__startswith="u").count() == 2
    rest = await store.bulk.apply_add_chunk(
        first, limit=4, enrol=False, compose=no_mail, now=job.created_at
    )
    assert (rest.rows_done, rest.state, rest.run.created) == (5, JobState.DONE, 5)
    assert await MembershipRow.all().count() == 5


T0 = datetime(2026, 12, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=31)


async def _staged(store: TortoiseStore, name: str, rows: int, state: JobState, **fields: object):
    """A job of ``rows`` staged rows put straight into ``state``, as of ``T0``."""
    group = await store.groups.get(1) or await _group(store, "Sales")
    job = await store.bulk.create(
        kind=JobKind.ADD_MEMBERS,
        group=group,
        filename=name,
        columns=("username", "email"),
        uploaded_by=None,
        notes=(),
    )
    await store.bulk.stage(
        job.id, [StagedRow(n + 2, f"{name}{n}", f"{name}{n}@example.org") for n in range(rows)]
    )
    times = {"created_at": T0 - timedelta(hours=1), "decided_at": T0, **fields}
    await store.bulk.set_fields(job.id, state=state.value, **times)
    return job


async def _rows(job_id: int) -> int:
    return await BulkJobItemRow.filter(job_id=job_id).count()


async def test_rows_are_pruned_in_batches_and_the_job_marked_once_none_are_left(
    store: TortoiseStore,
) -> None:
    counts = {"rows_total": 5, "rows_done": 5, "results": {"created": 5, "added": 5}}
    job = await _staged(store, "done", 5, JobState.DONE, finished_at=T0, reported_at=T0, **counts)
    early = await store.bulk.prune_rows(finished_before=T0, limit=2, now=LATER)
    assert not early and await _rows(job.id) == 5, "finished exactly then: not yet"
    for left in (3, 1):
        assert await store.bulk.prune_rows(finished_before=LATER, limit=2, now=LATER)
        assert await _rows(job.id) == left
        assert (await store.bulk.get(job.id)).rows_pruned_at is None
    assert await store.bulk.prune_rows(finished_before=LATER, limit=2, now=LATER)
    pruned = await store.bulk.get(job.id)
    assert await _rows(job.id) == 0 and pruned.rows_pruned_at == LATER
    assert (pruned.state, pruned.rows_done, pruned.run) == (JobState.DONE, 5, RunCounts(5, 5))
    assert not await store.bulk.prune_rows(finished_before=LATER, limit=2, now=LATER)


async def test_only_finished_and_reported_jobs_lose_their_rows(store: TortoiseStore) -> None:
    waiting = [
        await _staged(store, state.name.lower(), 2, state)
        for state in (JobState.CHECKED, JobState.PENDING, JobState.APPROVED, JobState.RUNNING)
    ]
    unreported = await _staged(
        store, "unreported", 2, JobState.DONE, started_at=T0, finished_at=T0, thread_ts="1.2"
    )
    gone = [
        await _staged(store, "rejected", 2, JobState.REJECTED),
        await _staged(store, "cancelled", 2, JobState.CANCELLED, decided_at=None),
        await _staged(store, "failed", 2, JobState.FAILED, finished_at=T0),
    ]
    while await store.bulk.prune_rows(finished_before=LATER, limit=10, now=LATER):
        pass
    assert [await _rows(j.id) for j in [*waiting, unreported]] == [2] * 5
    assert [await _rows(j.id) for j in gone] == [0, 0, 0]
    await store.bulk.set_fields(unreported.id, reported_at=T0)
    assert await store.bulk.prune_rows(finished_before=LATER, limit=10, now=LATER)
    assert await _rows(unreported.id) == 0
