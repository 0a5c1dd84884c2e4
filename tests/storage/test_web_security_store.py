"""Attempt tallies, password links, sessions and known browsers, on both engines."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import LinkPurpose, UserStatus
from domain.throttle import SIGN_IN_CLIENT, SIGN_IN_EMAIL, Throttle, TooManyAttempts
from storage.accounts import KEEP_BROWSERS
from storage.models import (
    AttemptTallyRow,
    InvitationRow,
    KnownBrowserRow,
    UserRow,
    WebSessionRow,
)
from storage.store import TortoiseStore

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
EVE = "eve@example.org"


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def outcome(throttle: Throttle, limits: list) -> str:
    try:
        await throttle.take(limits)
    except TooManyAttempts as paused:
        return f"wait {paused.seconds}"
    return "taken"


async def test_forty_attempts_at_once_take_only_the_free_five(store: TortoiseStore) -> None:
    throttle = Throttle(store.attempts, Clock())
    limits = [(SIGN_IN_EMAIL, EVE), (SIGN_IN_CLIENT, "203.0.113.7")]
    outcomes = await asyncio.gather(*(outcome(throttle, limits) for _ in range(40)))
    assert sorted(outcomes) == ["taken"] * 5 + ["wait 30"] * 35
    counts = await AttemptTallyRow.all().order_by("count").values_list("count", flat=True)
    assert counts == [5, 5], "a refusal counts against no key"


async def test_the_delay_grows_with_each_attempt_up_to_a_ceiling(store: TortoiseStore) -> None:
    clock = Clock()
    throttle = Throttle(store.attempts, clock)
    limits = [(SIGN_IN_EMAIL, EVE)]
    waits = []
    for _ in range(12):
        result = await outcome(throttle, limits)
        while result != "taken":
            waits.append(int(result.split()[1]))
            clock.now += timedelta(seconds=int(result.split()[1]))
            result = await outcome(throttle, limits)
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    clock.now += timedelta(hours=1)
    assert await outcome(throttle, limits) == "taken", "an hour of quiet starts afresh"


async def test_the_right_password_clears_the_account_and_takes_back_one_client_attempt(
    store: TortoiseStore,
) -> None:
    throttle = Throttle(store.attempts, Clock())
    email, client = (SIGN_IN_EMAIL, EVE), (SIGN_IN_CLIENT, "203.0.113.7")
    for _ in range(3):
        await throttle.take([email, client])
    await throttle.clear([email])
    await throttle.withdraw([client])
    assert not await AttemptTallyRow.exists(key=SIGN_IN_EMAIL.key(EVE))
    assert (await AttemptTallyRow.get(key=SIGN_IN_CLIENT.key("203.0.113.7"))).count == 2
    for _ in range(3):
        await throttle.withdraw([client])
    assert (await AttemptTallyRow.get(key=SIGN_IN_CLIENT.key("203.0.113.7"))).count == 0


async def test_stale_tallies_are_pruned_so_the_table_stays_bounded(store: TortoiseStore) -> None:
    clock = Clock()
    throttle = Throttle(store.attempts, clock)
    for n in range(20):
        await throttle.take([(SIGN_IN_EMAIL, f"p{n}@example.org")])
    clock.now += timedelta(hours=2)
    await throttle.take([(SIGN_IN_EMAIL, EVE)])
    assert await AttemptTallyRow.all().values_list("key", flat=True) == [SIGN_IN_EMAIL.key(EVE)]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def test_setting_a_password_revokes_other_links_and_ends_sessions_and_browsers(
    store: TortoiseStore,
) -> None:
    eve = await UserRow.create(email=EVE, username="eve", status="active", password_hash="old")
    later = NOW + timedelta(hours=1)
    for token, purpose in (("i1", LinkPurpose.INVITATION), ("r1", LinkPurpose.RESET)):
        await store.accounts.create(eve.id, digest(token), later, purpose)
    await store.accounts.create(eve.id, digest("r2"), later, LinkPurpose.RESET)
    await store.accounts.open_session(eve.id, digest("laptop"), later)
    await store.accounts.remember_browser(eve.id, digest("laptop-browser"), NOW)

    assert await store.accounts.redeem(digest("r2"), LinkPurpose.INVITATION, "new", NOW) is None
    user = await store.accounts.redeem(digest("r2"), LinkPurpose.RESET, "new", NOW)
    assert user is not None and user.status is UserStatus.ACTIVE
    assert await InvitationRow.filter(used_at=None).count() == 0
    assert await WebSessionRow.all().count() == 0 and await KnownBrowserRow.all().count() == 0
    assert (await UserRow.get(id=eve.id)).password_hash == "new"
    assert await store.accounts.redeem(digest("r1"), LinkPurpose.RESET, "other", NOW) is None


async def test_a_suspended_learner_s_link_sets_nothing(store: TortoiseStore) -> None:
    sue = await UserRow.create(email="sue@example.org", username="sue", status="suspended")
    await store.accounts.create(
        sue.id, digest("s1"), NOW + timedelta(hours=1), LinkPurpose.INVITATION
    )
    assert await store.accounts.redeem(digest("s1"), LinkPurpose.INVITATION, "x", NOW) is None
    row = await UserRow.get(id=sue.id)
    assert row.status == "suspended" and row.password_hash is None
    assert (await InvitationRow.get(token_hash=digest("s1"))).used_at is None


async def test_signing_out_ends_one_session_only(store: TortoiseStore) -> None:
    eve = await UserRow.create(email=EVE, username="eve", status="active")
    for name in ("laptop", "phone"):
        await store.accounts.open_session(eve.id, digest(name), NOW + timedelta(days=1))
    await store.accounts.end_session(digest("laptop"))
    assert await store.accounts.session_user(digest("laptop"), NOW) is None
    assert await store.accounts.session_user(digest("phone"), NOW) is not None


async def test_known_browsers_are_per_account_recent_and_few(store: TortoiseStore) -> None:
    eve = await UserRow.create(email=EVE, username="eve", status="active")
    lea = await UserRow.create(email="lea@example.org", username="lea", status="active")
    await store.accounts.remember_browser(eve.id, digest("shared"), NOW)
    await store.accounts.remember_browser(eve.id, digest("shared"), NOW + timedelta(days=1))
    await store.accounts.remember_browser(lea.id, digest("shared"), NOW)
    assert await store.accounts.knows_browser(digest("shared"), EVE, NOW)
    assert not await store.accounts.knows_browser(digest("shared"), EVE, NOW + timedelta(days=2))
    assert not await store.accounts.knows_browser(digest("other"), EVE, NOW - timedelta(days=1))
    for n in range(KEEP_BROWSERS + 5):
        await store.accounts.remember_browser(
            eve.id, digest(f"b{n}"), NOW + timedelta(days=2, minutes=n)
        )
    assert await KnownBrowserRow.filter(user_id=eve.id).count() == KEEP_BROWSERS
    assert not await store.accounts.knows_browser(digest("b0"), EVE, NOW)
    assert await store.accounts.knows_browser(digest(f"b{KEEP_BROWSERS + 4}"), EVE, NOW)
    since = NOW - timedelta(days=1)
    assert await store.accounts.knows_browser(digest("shared"), "lea@example.org", since)
