"""Locks that hold across processes sharing one PostgreSQL: who applies the
migrations, and who leads the time-triggered work. Each is a session advisory
lock on a connection of its own, outside the pool: PostgreSQL releases it the
moment that connection goes, so a process that dies hands it on by dying. On
SQLite there is one process, which always holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import asyncpg

log = logging.getLogger("roster.locks")

MIGRATIONS = 7_415_001
LEADER = 7_415_002


def postgres_dsn(database_url: str) -> str | None:
    """The URL asyncpg takes, or None for SQLite."""
    for scheme in ("postgresql://", "postgres://", "asyncpg://"):
        if database_url.startswith(scheme):
            return "postgresql://" + database_url.removeprefix(scheme)
    return None


@contextlib.asynccontextmanager
async def exclusive(database_url: str, key: int) -> AsyncIterator[None]:
    """Waits for the lock and holds it for the block (a migration, say)."""
    dsn = postgres_dsn(database_url)
    if dsn is None:
        yield
        return
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", key)
        yield
    finally:
        await connection.close()


class Leadership:
    """Whether this process leads: ``lead(True)`` when it becomes the leader,
    ``lead(False)`` when it stops (its connection lost, or shutting down). The
    others try for the lock every ``retry`` seconds, so one of them leads within
    about that long after the leader dies."""

    def __init__(self, database_url: str, *, retry: float = 2.0, key: int = LEADER) -> None:
        self._dsn = postgres_dsn(database_url)
        self._retry = retry
        self._key = key
        self.leading = False

    async def run(self, stop: asyncio.Event, lead: Callable[[bool], None]) -> None:
        if self._dsn is None:
            self._change(True, lead)
            await stop.wait()
            self._change(False, lead)
            return
        while not stop.is_set():
            try:
                await self._term(stop, lead)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("the scheduler's lock connection failed (%s); trying again", error)
            finally:
                self._change(False, lead)
            await _pause(stop, self._retry)

    async def _term(self, stop: asyncio.Event, lead: Callable[[bool], None]) -> None:
        """One connection: wait for the lock, then lead while the connection lives."""
        assert self._dsn is not None
        connection = await asyncpg.connect(self._dsn, timeout=max(self._retry, 5.0))
        try:
            while not await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key):
                if await _pause(stop, self._retry):
                    return
            self._change(True, lead)
            while not await _pause(stop, self._retry):
                await connection.fetchval("SELECT 1", timeout=max(self._retry, 5.0))
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    def _change(self, leading: bool, lead: Callable[[bool], None]) -> None:
        if leading != self.leading:
            self.leading = leading
            log.info(
                "this process %s the scheduled work", "leads" if leading else "stopped leading"
            )
            lead(leading)


async def _pause(stop: asyncio.Event, seconds: float) -> bool:
    """``seconds``, or less if ``stop`` is set meanwhile; whether it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
