"""Paces: free attempts, a doubling delay with a ceiling, and forgetting after quiet."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import Scope, Tally
from domain.passwords import Hasher, HasherBusy
from domain.throttle import LINK_EMAIL, SIGN_IN_CLIENT, SIGN_IN_EMAIL, judge

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_the_email_delay_doubles_after_five_failures_and_stops_at_fifteen_minutes() -> None:
    delays = [SIGN_IN_EMAIL.delay(n).total_seconds() for n in range(4, 13)]
    assert delays == [0, 30, 60, 120, 240, 480, 900, 900, 900]
    assert SIGN_IN_EMAIL.delay(10_000) == timedelta(minutes=15)


def test_a_key_left_alone_long_enough_starts_afresh() -> None:
    tally = Tally("k", count=9, last_at=NOW)
    assert SIGN_IN_EMAIL.wait(tally, NOW + timedelta(minutes=1)) == timedelta(minutes=7)
    assert SIGN_IN_EMAIL.wait(tally, NOW + timedelta(hours=1)) == timedelta(0)
    assert SIGN_IN_EMAIL.counted(tally, NOW + timedelta(hours=1)).count == 1


def test_the_longest_wait_decides_and_a_refusal_counts_nothing() -> None:
    limits = [(SIGN_IN_EMAIL, "eve@example.org"), (SIGN_IN_CLIENT, "203.0.113.7")]
    tallies = [Tally("e", 5, NOW), Tally("c", 31, NOW)]
    verdict = judge(limits, tallies, NOW + timedelta(seconds=10))
    assert verdict.refused is Scope.CLIENT and verdict.wait == timedelta(seconds=50)
    assert verdict.tallies == ()
    allowed = judge(limits, [Tally("e"), Tally("c", 29, NOW)], NOW)
    assert allowed.refused is None
    assert [(t.count, t.last_at) for t in allowed.tallies] == [(1, NOW), (30, NOW)]


def test_three_password_links_an_hour_to_one_address() -> None:
    assert LINK_EMAIL.wait(Tally("k", 2, NOW), NOW) == timedelta(0)
    assert LINK_EMAIL.wait(Tally("k", 3, NOW), NOW) == timedelta(minutes=15)


async def test_the_hasher_refuses_work_beyond_its_bound_instead_of_queueing() -> None:
    hasher = Hasher(workers=1, most_waiting=1)
    digest = await hasher.hash("correct horse battery")
    checks = [hasher.verify(digest, f"guess {n}") for n in range(3)]
    results = await asyncio.gather(*checks, return_exceptions=True)
    assert [type(r) for r in results] == [bool, bool, HasherBusy]
    assert hasher.verifications == 2
    hasher.close()
    with pytest.raises(RuntimeError):
        await hasher.verify(digest, "after closing")
