"""Workers that drain a queue (the outbox, approved bulk jobs): one loop for
stopping, surviving errors and pacing, so each worker is only its round.

A round claims what is due and returns how long to wait before the next: 0 to
go on at once (there may be more), None for the poll interval. A round that
raises is logged and the loop goes on after the poll interval; the next round
finds the work still due. Stopping lets the round under way finish, so
shutting down never cuts a database call or an SMTP conversation in half.
Time-triggered work is not here: it runs on the scheduler (``bot.scheduler``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("roster.workers")

Round = Callable[[asyncio.Event], Awaitable[float | None]]
"""One round of a worker, given the stop event (to end long work between steps)."""


class WorkerLoop:
    def __init__(self, name: str, round_: Round, *, poll: float) -> None:
        self._name = name
        self._round = round_
        self._poll = poll
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Work arrived in this process: the next round starts without waiting."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                wait = await self._round(stop)
            except Exception:
                log.exception("%s: the round failed; trying again", self._name)
                wait = None
            if wait != 0:
                await self._sleep(stop, self._poll if wait is None else wait)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Until ``seconds`` pass, a wake-up, or the stop."""
        self._wake.clear()
        waiters = [asyncio.create_task(e.wait()) for e in (stop, self._wake)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.wait(waiters, return_when="FIRST_COMPLETED"), seconds)
        for waiter in waiters:
            waiter.cancel()


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
