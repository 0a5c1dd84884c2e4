"""Several processes on one database: each email is taken by one of them (and one
a dead worker took is due again when its claim runs out), a notice is told once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.letters import Layout, Letter, MailState, OutgoingEmail, Trigger
from storage.store import TortoiseStore
from tests.storage.test_bulk_store import _running_job

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
CLAIM = timedelta(minutes=5)


@pytest.fixture
async def outbox(connected: str) -> TortoiseStore:
    store = TortoiseStore()
    await store.outbox.queue(
        [
            OutgoingEmail(
                f"p{n}@school.org",
                "Welcome",
                Letter(Layout.NOTICE, "Ada", "text", "School"),
                Trigger.INVITATION,
            )
            for n in range(100)
        ],
        NOW,
        events=(),
    )
    return store


async def test_workers_claiming_at_once_never_take_the_same_email(outbox: TortoiseStore) -> None:
    claims = await asyncio.gather(*(outbox.outbox.claim(NOW, 30, NOW + CLAIM) for _ in range(5)))
    taken = [email.to for batch in claims for email in batch]
    assert len(taken) == len(set(taken)) == 100
    assert await outbox.outbox.claim(NOW, 30, NOW + CLAIM) == []


async def test_an_email_whose_worker_died_is_due_again_when_the_claim_runs_out(
    outbox: TortoiseStore,
) -> None:
    first = await outbox.outbox.claim(NOW, 10, NOW + CLAIM)
    assert (
        await outbox.outbox.claim(NOW + CLAIM - timedelta(seconds=1), 10, NOW + 2 * CLAIM) != first
    )
    again = await outbox.outbox.claim(NOW + CLAIM, 100, NOW + 2 * CLAIM)
    assert [e.id for e in first] == [e.id for e in again][:10]
    await outbox.outbox.mark(first[0].id, MailState.SENT, sent_at=NOW)
    later = await outbox.outbox.claim(NOW + 3 * CLAIM, 100, NOW + 4 * CLAIM)
    assert first[0].id not in {e.id for e in later} and len(later) == 99


async def test_a_notice_meant_once_is_told_by_one_process_only(connected: str) -> None:
    settings = TortoiseStore().settings
    told = await asyncio.gather(*(settings.change("told", True) for _ in range(5)))
    assert told.count(True) == 1
    assert await settings.change("told", False) and await settings.change("told", True)


async def test_a_bulk_job_is_held_by_one_runner_and_resumed_by_another_after_its_lease(
    connected: str,
) -> None:
    store = TortoiseStore()
    job = await _running_job(store, 4)
    lease = timedelta(seconds=60)
    held = await asyncio.gather(
        *(store.bulk.claim(owner=f"runner {n}", now=NOW, until=NOW + lease) for n in range(4))
    )
    assert [j.id for j in held if j is not None] == [job.id]
    holder = f"runner {held.index(next(j for j in held if j is not None))}"
    assert await store.bulk.claim(owner="late", now=NOW + lease / 2, until=NOW + lease) is None
    assert await store.bulk.renew(job.id, owner=holder, until=NOW + 2 * lease)
    assert await store.bulk.claim(owner="late", now=NOW + lease, until=NOW + 2 * lease) is None
    resumed = await store.bulk.claim(owner="late", now=NOW + 2 * lease, until=NOW + 3 * lease)
    assert resumed is not None and resumed.id == job.id
    assert not await store.bulk.renew(job.id, owner=holder, until=NOW + 4 * lease)
    await store.bulk.release(job.id, owner="late")
    again = await store.bulk.claim(owner=holder, now=NOW + 2 * lease, until=NOW + 3 * lease)
    assert again is not None and again.id == job.id


async def test_users_marked_for_the_rules_are_shared_and_kept_until_evaluated(
    connected: str,
) -> None:
    rules = TortoiseStore().rules
    await rules.mark({1: "joined Sales", 2: "progress in Python"}, NOW)
    await rules.mark({2: "completed Python"}, NOW)
    held = await rules.take_marks(NOW, NOW + CLAIM, 100)
    assert held == {1: "joined Sales", 2: "completed Python"}
    assert await rules.take_marks(NOW, NOW + CLAIM, 100) == {}
    await rules.mark({1: "left Sales"}, NOW)
    await rules.clear_marks(held, NOW + CLAIM)
    assert await rules.take_marks(NOW, NOW + CLAIM, 100) == {1: "left Sales"}
    assert await rules.take_marks(NOW + CLAIM, NOW + 2 * CLAIM, 100) == {1: "left Sales"}


async def test_an_email_taken_over_by_another_process_is_not_sent_by_the_first(
    outbox: TortoiseStore,
) -> None:
    first = (await outbox.outbox.claim(NOW, 1, NOW + CLAIM))[0]
    assert await outbox.outbox.keep(first.id, first.next_attempt_at, NOW + 2 * CLAIM)
    stale = first.next_attempt_at
    taken = await outbox.outbox.claim(NOW + 2 * CLAIM, 1, NOW + 3 * CLAIM)
    assert [e.id for e in taken] == [first.id]
    assert not await outbox.outbox.keep(first.id, stale, NOW + 4 * CLAIM)
