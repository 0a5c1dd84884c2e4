"""The password rule learners see, and Argon2id hashing off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import InvalidInput

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


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify(password_hash: str, password: str) -> bool:
    def run() -> bool:
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(run)


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


DUMMY_HASH = _HASHER.hash("a password nobody has, to spend the same time on unknown emails")
