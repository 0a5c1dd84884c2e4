"""Each uploaded file is read in a process of its own, a few at a time.

A process per file, not a pool: a file that kills its reader (memory, a crash
in the Rust reader) or overruns its deadline takes only its own process with
it, and the next file starts in a fresh one; a pool, once a worker dies,
refuses everyone until restarted, and cancelling a pool's future does not
stop the work. A deadline here kills the process. Processes come from a fork
server started once with the readers' libraries loaded, so a new one costs
milliseconds and inherits none of the web server's threads or memory.

At most ``places`` files are read at once; the others wait in the order
they came, told how many are ahead, and a file's clock starts only when its
reading does.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import cache
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

Waiting = Callable[[int, int], Awaitable[None]]
"""Told, once, when a file has to wait: how many are being read, how many wait ahead."""


class Died(Exception):
    """The process ended without finishing its work (a signal, or an error exit)."""

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        super().__init__(f"exit code {exitcode}")


class Workers:
    """Runs a function in a new process per call, ``places`` at a time, each
    for at most ``seconds`` from when it starts."""

    def __init__(self, places: int, seconds: float) -> None:
        self.places = places
        self.seconds = seconds
        self._running = 0
        self._queue: deque[asyncio.Future[None]] = deque()
        self._processes: set[BaseProcess] = set()

    async def run(
        self, target: Callable[..., None], *args: object, waiting: Waiting | None = None
    ) -> None:
        """``target(*args)`` in its own process. Raises TimeoutError once the
        deadline passes (the process is killed first), :class:`Died` when the
        process ends with anything but exit code 0."""
        async with self._turn(waiting):
            process = _context().Process(target=target, args=args, daemon=True)
            await asyncio.to_thread(process.start)
            self._processes.add(process)
            try:
                await asyncio.wait_for(_ended(process), self.seconds)
            except TimeoutError:
                process.kill()
                await _ended(process)
                raise
            finally:
                if process.exitcode is None:
                    process.kill()
                self._processes.discard(process)
        if process.exitcode != 0:
            raise Died(process.exitcode)

    def stop(self) -> None:
        """Kills whatever is still running (at shutdown)."""
        for process in list(self._processes):
            process.kill()

    @asynccontextmanager
    async def _turn(self, waiting: Waiting | None) -> AsyncIterator[None]:
        """A place among the ``places``, first come first served."""
        if self._running < self.places and not self._queue:
            self._running += 1
        else:
            turn = asyncio.get_running_loop().create_future()
            self._queue.append(turn)
            try:
                if waiting is not None:
                    await waiting(self._running, len(self._queue) - 1)
                await turn
            except BaseException:
                if turn.done() and not turn.cancelled():
                    self._release()
                elif turn in self._queue:
                    self._queue.remove(turn)
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        """Hands the place to the next in line, or frees it."""
        while self._queue:
            turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._running -= 1


@cache
def _context() -> ForkServerContext:
    """The fork server's context; it starts with the first process, with the
    program's main module and the readers already imported."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "bot.xlsx_reader"])
    return context


async def _ended(process: BaseProcess) -> None:
    """Waits, without blocking the loop, until ``process`` has ended."""
    loop = asyncio.get_running_loop()
    ended = loop.create_future()

    def readable() -> None:
        if not ended.done():
            ended.set_result(None)

    loop.add_reader(process.sentinel, readable)
    try:
        await ended
    finally:
        loop.remove_reader(process.sentinel)
    process.join()
