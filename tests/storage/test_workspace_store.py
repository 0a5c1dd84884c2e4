"""Slack events claimed once, Roster's departure from Slack, deactivated accounts; on
both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import Departure, UserStatus
from domain.letters import Layout, Letter, Letters, OutgoingEmail, Trigger
from domain.workspace import EVENT_RETENTION, PRUNE_EVERY, WorkspaceService
from storage.models import OutboxRow, SlackEventRow
from storage.store import TortoiseStore

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
LETTERS = Letters("Example School", "http://localhost")


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def notice(to: str) -> OutgoingEmail:
    return OutgoingEmail(
        to, "Roster left", Letter(Layout.NOTICE, "Ada", "text", "School"), Trigger.SLACK_REMOVED
    )


async def test_an_event_is_claimed_once_even_by_simultaneous_deliveries(
    store: TortoiseStore,
) -> None:
    claims = await asyncio.gather(*(store.workspace.claim_event("Ev1", NOW) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    assert await store.workspace.claim_event("Ev2", NOW) is True


async def test_claims_older_than_the_retention_are_pruned_now_and_then(
    store: TortoiseStore,
) -> None:
    clock = Clock()
    service = WorkspaceService(store, LETTERS, clock=clock)
    assert await service.first_delivery("EvOld")
    clock.now += EVENT_RETENTION - timedelta(minutes=1)
    assert await service.first_delivery("EvNewer")
    clock.now += PRUNE_EVERY
    assert await service.first_delivery("EvLatest")
    left = set(await SlackEventRow.all().values_list("event_id", flat=True))
    assert left == {"EvNewer", "EvLatest"}


async def test_a_departure_is_recorded_once_with_its_emails(store: TortoiseStore) -> None:
    first = Departure("tokens_revoked", NOW)
    assert await store.workspace.depart(first, [notice("ada@school.org")])
    again = Departure("app_uninstalled", NOW + timedelta(seconds=1))
    assert not await store.workspace.depart(again, [notice("ada@school.org")])
    assert await store.workspace.departure() == first
    assert await OutboxRow.filter(trigger="slack_removed").count() == 1
    assert await store.workspace.clear_departure() == first
    assert await store.workspace.departure() is None
    assert await store.workspace.clear_departure() is None


async def test_an_account_changes_state_once_and_its_emails_go_with_the_change(
    store: TortoiseStore,
) -> None:
    user = await store.users.create(
        email="max@school.org", username="max", status=UserStatus.ACTIVE
    )
    assert await store.workspace.set_deactivated(user.id, NOW, [notice("a@school.org")], NOW)
    assert not await store.workspace.set_deactivated(user.id, NOW, [notice("a@school.org")], NOW)
    assert (await store.users.get(user.id)).slack_deactivated_at == NOW
    assert await store.workspace.set_deactivated(user.id, None, [notice("b@school.org")], NOW)
    assert not await store.workspace.set_deactivated(user.id, None, [], NOW)
    assert (await store.users.get(user.id)).slack_deactivated_at is None
    sent = await OutboxRow.all().order_by("id").values_list("to_address", flat=True)
    assert sent == ["a@school.org", "b@school.org"]
