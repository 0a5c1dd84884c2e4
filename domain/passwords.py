"""The password rule learners see, and Argon2id hashing off the event loop.

Hashing runs in a small thread pool of its own: each Argon2 call holds 64 MiB
and a core for a fifth of a second, so sharing the default executor would let
a flood of sign-ins starve the bulk jobs and spreadsheet checks queued there.
The pool refuses work beyond a bound instead of queueing without end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import DomainError, InvalidInput

T = TypeVar("T")

MIN_LENGTH = 10
MAX_LENGTH = 128
RULE = (
    f"Use at least {MIN_LENGTH} characters (a few words make a good one), "
    "not your email or username, and not a common password."
)
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "password123",
        "password1234",
        "iloveyou123",
        "letmein1234",
        "welcome123",
        "aaaaaaaaaa",
        "abcdefghij",
        "changeme123",
    }
)

_HASHER = PasswordHasher()
"""argon2-cffi's defaults (Argon2id, 64 MiB, 3 passes, 4 lanes) exceed OWASP's minimum."""


def check(password: str, *, email: str, username: str) -> None:
    """Raises InvalidInput naming exactly which part of the rule failed."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput("password", f"it has {len(password)} characters. {RULE}")
    if len(password) > MAX_LENGTH:
        raise InvalidInput("password", f"keep it to {MAX_LENGTH} characters.")
    lowered = password.casefold()
    personal = {email.casefold(), email.split("@")[0].casefold(), username.casefold()}
    if any(len(p) >= 3 and p in lowered for p in personal):
        raise InvalidInput("password", f"it contains your email or username. {RULE}")
    if lowered in _COMMON or len(set(lowered)) < 4:
        raise InvalidInput("password", f"it is too easy to guess. {RULE}")


class HasherBusy(DomainError):
    """More passwords are being checked than the pool takes; ask to try again shortly."""

    seconds = 5


class Hasher:
    """Argon2id in a bounded pool of its own; ``verifications`` counts every check run,
    which is what a guessing flood costs (and what the throttling tests count).

    Two threads (this runs on small machines, and each check takes a core); up to
    64 checks wait, some eight seconds of work at 0.25 s each, beyond which a
    sign-in is asked to come back in a few seconds rather than queue longer."""

    def __init__(self, *, workers: int = 2, most_waiting: int = 64) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._most = workers + most_waiting
        self._busy = 0
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return await self._run(_HASHER.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def run() -> bool:
            try:
                return _HASHER.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        verified = await self._run(run)
        self.verifications += 1
        return verified

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        if self._busy >= self._most:
            raise HasherBusy("password checks are queued to the limit")
        self._busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        finally:
            self._busy -= 1

    def close(self) -> None:
        """Lets a check under way finish; nothing new starts."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


DUMMY_HASH = _HASHER.hash("a password nobody has, to spend the same time on unknown emails")
