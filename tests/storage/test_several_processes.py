"""Several processes on one database: each email is taken by one of them (and one
a dead worker took is due again when its claim runs out), a notice is told once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.letters import MailState, OutgoingEmail, Trigger
from storage.store import TortoiseStore

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
CLAIM = timedelta(minutes=5)


@pytest.fixture
async def outbox(connected: str) -> TortoiseStore:
    store = TortoiseStore()
    await store.outbox.queue(
        [
            OutgoingEmail(f"p{n}@school.org", "Welcome", "text", "<p>html</p>", Trigger.INVITATION)
            for n in range(100)
        ],
        NOW,
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
