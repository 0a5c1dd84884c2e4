"""How fast sign-ins and password-link requests may come: per email, client and browser.

Each kind of key has a :class:`Pace`: a few free attempts, then a delay
before the next one that doubles with every further attempt, up to a
ceiling. A delay, not a lockout: whoever holds the right password only has
to wait a bounded time (or ask for a link by email), and a browser that has
signed in to the account before is not slowed by what others do to it.

An attempt is counted *before* the slow part (Argon2, an email) in one
transaction that locks the keys' tallies, so forty requests sent at once
are judged one after another and only the free few get through. Tallies are
rows in the database, so the limits hold across processes and restarts;
keys are hashed, so the table does not show addresses or emails in plain text.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import DomainError
from domain.ports import AttemptStore

PRUNE_EVERY = timedelta(minutes=10)


class Scope(StrEnum):
    """What a key counts; the refusal a learner reads depends on it."""

    EMAIL = "email"
    CLIENT = "client"
    BROWSER = "browser"
    LINK_EMAIL = "link-email"
    LINK_CLIENT = "link-client"
    VERIFY_CLIENT = "verify-client"


@dataclass(frozen=True, slots=True)
class Tally:
    """Attempts counted under one key: those still in flight and those that failed."""

    key: str
    count: int = 0
    last_at: datetime | None = None


@dataclass(frozen=True)
class Pace:
    scope: Scope
    free: int
    first_delay: timedelta
    longest_delay: timedelta
    forget_after: timedelta
    """A key left alone this long starts again from nothing."""

    def key(self, value: str) -> str:
        return hashlib.sha256(f"{self.scope}:{value}".encode()).hexdigest()

    def recent(self, tally: Tally, now: datetime) -> int:
        if tally.last_at is None or now - tally.last_at >= self.forget_after:
            return 0
        return tally.count

    def delay(self, count: int) -> timedelta:
        """The pause after ``count`` attempts: none while free, then doubling to a ceiling."""
        if count < self.free:
            return timedelta(0)
        doublings = min(count - self.free, 30)
        delay: timedelta = self.first_delay * 2**doublings
        return min(delay, self.longest_delay)

    def wait(self, tally: Tally, now: datetime) -> timedelta:
        count = self.recent(tally, now)
        if tally.last_at is None or count < self.free:
            return timedelta(0)
        return max(tally.last_at + self.delay(count) - now, timedelta(0))

    def counted(self, tally: Tally, now: datetime) -> Tally:
        return replace(tally, count=self.recent(tally, now) + 1, last_at=now)


MINUTE = timedelta(minutes=1)
SIGN_IN_EMAIL = Pace(Scope.EMAIL, 5, MINUTE / 2, 15 * MINUTE, forget_after=60 * MINUTE)
"""Five wrong passwords, then 30 s, 1, 2, 4, 8 and at most 15 minutes between tries."""
SIGN_IN_BROWSER = Pace(Scope.BROWSER, 5, MINUTE / 2, 15 * MINUTE, forget_after=60 * MINUTE)
"""The same, for a browser that signed in to the account before: its own count."""
SIGN_IN_CLIENT = Pace(Scope.CLIENT, 30, MINUTE / 2, 5 * MINUTE, forget_after=15 * MINUTE)
"""A school behind one address mistypes too: 30 free, then 30 s doubling to 5 minutes."""
LINK_EMAIL = Pace(Scope.LINK_EMAIL, 3, 15 * MINUTE, 60 * MINUTE, forget_after=60 * MINUTE)
"""Three password links an hour to one address, so /forgot cannot flood an inbox."""
LINK_CLIENT = Pace(Scope.LINK_CLIENT, 10, MINUTE, 15 * MINUTE, forget_after=60 * MINUTE)
PACES = (SIGN_IN_EMAIL, SIGN_IN_BROWSER, SIGN_IN_CLIENT, LINK_EMAIL, LINK_CLIENT)
FORGET_ALL_AFTER = max(p.forget_after for p in PACES)


class TooManyAttempts(DomainError):
    """Too many attempts under one key; ``seconds`` until the next one is taken."""

    def __init__(self, scope: Scope, seconds: int) -> None:
        self.scope = scope
        self.seconds = seconds
        super().__init__(f"too many attempts ({scope}); wait {seconds} s")


@dataclass(frozen=True)
class Verdict:
    """What to store for an attempt that may go ahead, or why it may not."""

    refused: Scope | None = None
    wait: timedelta = timedelta(0)
    tallies: tuple[Tally, ...] = ()


Limit = tuple[Pace, str]
"""A pace and the value it counts (an email, a client address, a browser)."""


def judge(limits: Sequence[Limit], tallies: Sequence[Tally], now: datetime) -> Verdict:
    """Refuses when any key must still wait (the longest wait wins), else counts the
    attempt against every key. ``tallies`` are in the order of ``limits``."""
    waits = [(pace.wait(t, now), pace.scope) for (pace, _), t in zip(limits, tallies, strict=True)]
    longest, scope = max(waits, key=lambda w: w[0])
    if longest > timedelta(0):
        return Verdict(scope, longest)
    counted = (pace.counted(t, now) for (pace, _), t in zip(limits, tallies, strict=True))
    return Verdict(tallies=tuple(counted))


class Throttle:
    def __init__(self, store: AttemptStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._pruned_at: datetime | None = None

    async def take(self, limits: Sequence[Limit]) -> None:
        """Counts one attempt against every limit, or raises :class:`TooManyAttempts`
        and counts nothing. The verdict reads the clock under the lock, so attempts
        are judged in the order, and at the time, they are counted."""
        now = self._clock()
        await self._prune(now)
        keys = [pace.key(value) for pace, value in limits]
        verdict = await self._store.take(
            keys, now, lambda tallies: judge(limits, tallies, self._clock())
        )
        if verdict.refused is not None:
            raise TooManyAttempts(verdict.refused, max(1, math.ceil(verdict.wait.total_seconds())))

    async def clear(self, limits: Sequence[Limit]) -> None:
        """Starts these keys afresh: the account's own, once its password is proven."""
        await self._store.settle(clear=[pace.key(v) for pace, v in limits], lower=[])

    async def withdraw(self, limits: Sequence[Limit]) -> None:
        """Takes back the one attempt counted under each key: it turned out right (a
        client's other failures stand, so signing in to an account of one's own
        between guesses at others wins nothing), or it was never checked."""
        await self._store.settle(clear=[], lower=[pace.key(v) for pace, v in limits])

    async def _prune(self, now: datetime) -> None:
        """Now and then, in whichever process gets there: tallies nobody touched for
        longer than any pace remembers. This keeps the table bounded."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        await self._store.forget_before(now - FORGET_ALL_AFTER)
