"""Who leads the scheduled work among processes on one database, and who migrates."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from storage.locks import Leadership, exclusive
from tests.waiting import eventually

RETRY = 0.1


class Process:
    """One process's leadership, with what it was told."""

    def __init__(self, database_url: str) -> None:
        self.leadership = Leadership(database_url, retry=RETRY)
        self.told: list[bool] = []
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.leadership.run(self.stop, self.told.append))

    async def ended(self) -> None:
        self.stop.set()
        await self.task

    def died(self) -> None:
        """Killed: its task (and so its connection) goes without a word."""
        self.task.cancel()


async def test_the_one_process_on_sqlite_leads(tmp_path: Path) -> None:
    alone = Process(f"sqlite://{tmp_path / 'roster.sqlite3'}")
    await eventually(lambda: _true(alone.leadership.leading), what="the process leading")
    await alone.ended()
    assert alone.told == [True, False]


async def test_one_process_leads_and_another_takes_over_when_it_dies(
    postgres_url: str,
) -> None:
    first = Process(postgres_url)
    await eventually(lambda: _true(first.leadership.leading), what="a leader")
    second = Process(postgres_url)
    await asyncio.sleep(5 * RETRY)
    assert (first.told, second.told) == ([True], [])
    first.died()
    started = time.monotonic()
    await eventually(lambda: _true(second.leadership.leading), what="the second leading")
    assert time.monotonic() - started < 10
    await second.ended()
    assert second.told == [True, False]


async def test_a_process_stopping_hands_the_lead_on(postgres_url: str) -> None:
    first = Process(postgres_url)
    await eventually(lambda: _true(first.leadership.leading), what="a leader")
    second = Process(postgres_url)
    await first.ended()
    await eventually(lambda: _true(second.leadership.leading), what="the second leading")
    await second.ended()


async def test_migrations_wait_for_each_other(postgres_url: str) -> None:
    order: list[str] = []

    async def migrating(name: str) -> None:
        async with exclusive(postgres_url, 42):
            order.append(f"{name} starts")
            await asyncio.sleep(0.2)
            order.append(f"{name} ends")

    await asyncio.gather(migrating("a"), migrating("b"))
    assert order in (
        ["a starts", "a ends", "b starts", "b ends"],
        ["b starts", "b ends", "a starts", "a ends"],
    )


async def _true(value: bool) -> bool | None:
    return value or None
