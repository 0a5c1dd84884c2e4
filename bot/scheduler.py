"""Time-triggered work, on APScheduler: one place starts and stops it with the app.

Policies are explicit rather than APScheduler's defaults (a default of one
second of misfire grace silently skips a run that starts late on a busy
machine): a run late by up to ``MISFIRE_GRACE`` still happens, runs that
piled up while the process was busy are coalesced into one, and a job never
overlaps itself. Each job logs and survives its own exceptions; the next run
comes on time. Stopping waits for the runs under way, so none is cut short.

With several processes on one PostgreSQL, only the leader runs it
(``storage.locks.Leadership``): the others stand by and one takes over within
seconds when the leader dies. Work that drains a queue (mail delivery, bulk
jobs) is not here: it runs in worker loops that claim rows, so any process can
share it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("roster.scheduler")
# Two lines a run would flood the log: the events feed and webhooks run every second.
# Failures are logged by each job, under roster.scheduler.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)

MISFIRE_GRACE = 300
"""Seconds a run may start late and still happen."""

Work = Callable[[], Awaitable[None]]


class Schedule:
    def __init__(
        self,
        *,
        misfire_grace: int = MISFIRE_GRACE,
        timed: Callable[[str, float], None] = lambda name, seconds: None,
    ) -> None:
        self._timed = timed
        """Told how long each run took, by job name (the metrics)."""
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": misfire_grace,
            },
        )
        self._running: set[asyncio.Task[None]] = set()

    def every(self, name: str, seconds: float, work: Work, *, now: bool = False) -> None:
        """``work`` every ``seconds``; with ``now``, the first run at start."""
        first = datetime.now(UTC) if now else None
        trigger = IntervalTrigger(seconds=seconds, start_date=first, timezone=UTC)
        self._scheduler.add_job(self._logged(name, work), trigger, id=name, name=name)

    def once(self, name: str, work: Work) -> None:
        """``work`` once, as soon as the schedule starts."""
        trigger = DateTrigger(run_date=datetime.now(UTC), timezone=UTC)
        self._scheduler.add_job(
            self._logged(name, work), trigger, id=name, name=name, replace_existing=True
        )

    def start(self) -> None:
        """Started paused: runs come only while this process leads (``lead``)."""
        self._scheduler.start(paused=True)

    def lead(self, leading: bool) -> None:
        """This process leads the time-triggered work, or no longer does. Runs that
        fell due while nobody led happen on taking over if within the misfire grace,
        coalesced into one; older ones are skipped, and the next comes on time."""
        if leading:
            self._scheduler.resume()
        else:
            self._scheduler.pause()

    async def stop(self) -> None:
        """No new runs; the runs under way finish (APScheduler's own shutdown would
        cancel them), then the scheduler goes."""
        self._scheduler.pause()
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self._scheduler.shutdown(wait=False)

    def _logged(self, name: str, work: Work) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            started = time.monotonic()
            try:
                await work()
                self._timed(name, time.monotonic() - started)
            except Exception:
                log.exception("scheduled %s failed; it runs again at its next time", name)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run
