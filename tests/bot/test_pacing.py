"""The pace Roster keeps per channel: a short burst, then one message a second; an
edit that may be skipped only takes a turn that is free now; files keep the
workspace's upload pace."""

from __future__ import annotations

import pytest

from bot import pacing
from bot.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_two_go_at_once_then_one_a_second_per_channel() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    assert [pacer.try_take("D0MANAGER") for _ in range(3)] == [True, True, False]
    assert pacer.try_take("D0THEADMIN"), "another channel has its own turns"
    clock.now += 0.5
    assert not pacer.try_take("D0MANAGER")
    clock.now += 0.5
    assert pacer.try_take("D0MANAGER") and not pacer.try_take("D0MANAGER")


def test_a_shorter_second_for_tests_and_none_at_all() -> None:
    clock = Clock()
    quick = Pacer(0.25, clock=clock)
    assert [quick.try_take("D0MANAGER") for _ in range(3)] == [True, True, False]
    clock.now += 0.25
    assert quick.try_take("D0MANAGER")
    assert quick.edit_interval == 1.2 * 0.25
    off = Pacer(0, clock=clock)
    assert all(off.try_take("D0MANAGER") for _ in range(100))


async def test_files_go_twenty_at_once_then_one_every_0_6_s_for_the_workspace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(pacing.asyncio, "sleep", sleep)
    pacer = Pacer(clock=Clock())
    await pacer.upload(20)
    assert slept == []
    await pacer.upload(2)
    assert slept == pytest.approx([0.6, 1.2])
