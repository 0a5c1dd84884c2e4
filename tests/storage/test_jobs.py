"""Bulk jobs on both engines: state changes happen once, chunks only move forward."""

from __future__ import annotations

import pytest

from domain.bulk_jobs import CheckCounts, JobKind, JobState
from domain.imports import StagedRow
from storage.models import MembershipRow, UserRow
from storage.store import TortoiseStore
from tests.storage.test_stores import _group, no_mail


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


async def _running_job(store: TortoiseStore, rows: int):
    group = await _group(store, "Sales")
    job = await store.jobs.create(
        kind=JobKind.ADD_MEMBERS,
        group=group,
        filename="team.xlsx",
        columns=("username", "email"),
        uploaded_by=None,
        notes=(),
    )
    await store.jobs.stage(
        job.id, [StagedRow(n + 2, f"u{n}", f"u{n}@example.org") for n in range(rows)]
    )
    await store.jobs.checked(job.id, CheckCounts(ready=rows), rows_total=rows)
    await store.jobs.move(job.id, {JobState.CHECKED}, JobState.PENDING)
    await store.jobs.move(job.id, {JobState.PENDING}, JobState.APPROVED)
    running = await store.jobs.move(job.id, {JobState.APPROVED}, JobState.RUNNING)
    assert running is not None
    return running


async def test_a_state_change_happens_once(store: TortoiseStore) -> None:
    job = await _running_job(store, 1)
    assert await store.jobs.move(job.id, {JobState.APPROVED}, JobState.RUNNING) is None
    assert await store.jobs.move(job.id, {JobState.PENDING}, JobState.REJECTED) is None
    assert (await store.jobs.get(job.id)).state is JobState.RUNNING


async def test_chunks_apply_in_order_and_a_stale_copy_of_the_job_changes_nothing(
    store: TortoiseStore,
) -> None:
    job = await _running_job(store, 5)
    first = await store.jobs.apply_add_chunk(
        job, limit=2, enrol=False, compose=no_mail, now=job.created_at
    )
    assert (first.checkpoint, first.rows_done, first.state) == (3, 2, JobState.RUNNING)
    again = await store.jobs.apply_add_chunk(
        job, limit=2, enrol=False, compose=no_mail, now=job.created_at
    )
    assert again.checkpoint == 3, "a second runner holding the old checkpoint must not apply"
    assert await UserRow.filter(email__startswith="u").count() == 2
    rest = await store.jobs.apply_add_chunk(
        first, limit=4, enrol=False, compose=no_mail, now=job.created_at
    )
    assert (rest.rows_done, rest.state, rest.run.created) == (5, JobState.DONE, 5)
    assert await MembershipRow.all().count() == 5
