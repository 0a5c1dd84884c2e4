"""The schedule's policies, with APScheduler's real clock and triggers, and runs
only while the process leads."""

from __future__ import annotations

import asyncio

import pytest

from bot.scheduler import Schedule
from tests.waiting import eventually


async def _now(value: object) -> object:
    return value


async def test_a_job_that_fails_runs_again_at_its_next_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the database went away")

    schedule = Schedule()
    schedule.every("flaky", 0.05, flaky, now=True)
    schedule.start()
    schedule.lead(True)
    try:
        await eventually(lambda: _now(len(runs) >= 3), what="three runs")
    finally:
        await schedule.stop()
    assert "scheduled flaky failed; it runs again at its next time" in caplog.text


async def test_a_job_never_overlaps_itself_and_stopping_waits_for_it() -> None:
    started: list[int] = []
    finished: list[int] = []
    running = 0
    most = 0

    async def slow() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.append(1)
        await asyncio.sleep(0.2)
        running -= 1
        finished.append(1)

    schedule = Schedule()
    schedule.every("slow", 0.02, slow, now=True)
    schedule.start()
    schedule.lead(True)
    await eventually(lambda: _now(started), what="a run")
    await schedule.stop()
    assert most == 1
    assert len(finished) == len(started)


async def test_a_one_off_job_runs_once_at_start() -> None:
    runs: list[int] = []

    async def once() -> None:
        runs.append(1)

    schedule = Schedule()
    schedule.once("at start", once)
    schedule.start()
    schedule.lead(True)
    await eventually(lambda: _now(runs), what="the run at start")
    await asyncio.sleep(0.1)
    await schedule.stop()
    assert runs == [1]


async def test_a_process_standing_by_runs_nothing_until_it_leads() -> None:
    runs: list[int] = []

    async def often() -> None:
        runs.append(1)

    schedule = Schedule()
    schedule.every("often", 0.05, often, now=True)
    schedule.start()
    await asyncio.sleep(0.3)
    assert runs == []
    schedule.lead(True)
    await eventually(lambda: _now(runs), what="a run once leading")
    schedule.lead(False)
    await asyncio.sleep(0.1)
    stood_by = len(runs)
    await asyncio.sleep(0.3)
    await schedule.stop()
    assert len(runs) == stood_by
