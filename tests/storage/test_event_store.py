"""The events log on both engines: filters, keyset paging, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from domain.events.model import (
    PLAYER,
    Cause,
    EventFilter,
    EventType,
    SchoolEvent,
)
from domain.letters import Layout, Letter, MailState, OutgoingEmail, Trigger
from storage.events import record
from storage.models import SchoolEventRow
from storage.store import TortoiseStore

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


async def _write(events: list[SchoolEvent]) -> None:
    async with in_transaction() as conn:
        await record(conn, events)


def _hourly(count: int, *, group_id: int = 1) -> list[SchoolEvent]:
    kinds = (EventType.MEMBER_ADDED, EventType.COMPLETED)
    return [
        SchoolEvent(
            kinds[n % 2],
            START + timedelta(hours=n // 2),
            Cause.hand(None) if n % 2 == 0 else PLAYER,
            user_id=1000 + n,
            group_id=group_id,
            detail=f"#{n}",
        )
        for n in range(count)
    ]


async def test_pages_walk_every_event_once_newest_first(store: TortoiseStore) -> None:
    await _write(_hourly(25))
    seen: list[str] = []
    page = await store.events.page(EventFilter(), after=None, limit=10)
    seen += [e.event.detail for e in page.items]
    while page.next is not None:
        page = await store.events.page(EventFilter(), after=page.next, limit=10)
        seen += [e.event.detail for e in page.items]
    assert seen == [f"#{n}" for n in reversed(range(25))]


async def test_filters_narrow_by_type_time_group_and_person(store: TortoiseStore) -> None:
    await _write([*_hourly(10), *_hourly(4, group_id=2)])
    completed = EventFilter(types=frozenset({EventType.COMPLETED}))
    page = await store.events.page(completed, after=None, limit=50)
    assert {e.event.type for e in page.items} == {EventType.COMPLETED}
    assert len(page.items) == 7
    window = EventFilter(since=START + timedelta(hours=2), until=START + timedelta(hours=4))
    page = await store.events.page(window, after=None, limit=50)
    assert sorted(e.event.detail for e in page.items) == ["#4", "#5", "#6", "#7"]
    one = EventFilter(group_id=2, user_id=1001)
    assert [e.event.detail for e in (await store.events.page(one, after=None, limit=5)).items] == [
        "#1"
    ]
    reach = EventFilter(groups=frozenset({2}))
    assert len((await store.events.page(reach, after=None, limit=50)).items) == 4
    nowhere = EventFilter(groups=frozenset())
    assert (await store.events.page(nowhere, after=None, limit=50)).items == ()


async def test_what_an_event_names_once_gone_is_named_by_its_id(store: TortoiseStore) -> None:
    await _write(_hourly(1, group_id=77))
    (logged,) = (await store.events.page(EventFilter(), after=None, limit=1)).items
    assert (logged.user, logged.group, logged.actor) == (
        "deleted user #1000",
        "deleted group #77",
        "",
    )


async def test_pruning_takes_the_oldest_in_batches(store: TortoiseStore) -> None:
    await _write(_hourly(20))
    cutoff = START + timedelta(hours=5)
    assert await store.events.prune(before=cutoff, limit=4) == 4
    assert await store.events.prune(before=cutoff, limit=100) == 6
    assert await store.events.prune(before=cutoff, limit=100) == 0
    remaining = await SchoolEventRow.all().order_by("occurred_at").first()
    assert remaining is not None and remaining.occurred_at == cutoff


async def test_an_email_failing_for_good_is_an_event_and_a_retry_is_not(
    store: TortoiseStore,
) -> None:
    now = datetime.now(UTC)
    letter = OutgoingEmail(
        "ada@school.org",
        "Welcome",
        Letter(Layout.NOTICE, "Ada", "text", "School"),
        Trigger.INVITATION,
    )
    await store.outbox.queue([letter], now, events=())
    (email,) = await store.outbox.claim(now, 10, now + timedelta(minutes=5))
    await store.outbox.mark(email.id, MailState.RETRYING, error="421 try later")
    await store.outbox.mark(email.id, MailState.FAILED, error="550 no such mailbox")
    page = await store.events.page(EventFilter(), after=None, limit=10)
    assert [(e.event.type, e.event.detail) for e in page.items] == [
        (EventType.EMAIL_FAILED, "invitation to ada@school.org: 550 no such mailbox")
    ]
