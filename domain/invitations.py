"""Invitation links, setting a password, signing in, and browser sessions.

Tokens are 32 random bytes; only their SHA-256 is stored, so a copy of the
database opens no account. SHA-256 suffices for such tokens (they are not
guessable the way passwords are); passwords themselves get Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NoReturn

from domain import passwords
from domain.entities import Enrollment, User
from domain.errors import DomainError, InvalidInput
from domain.ports import Changed, Store
from domain.validation import normalize_email

SESSION_DAYS = 14

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class LinkNotUsable(DomainError):
    """The invitation link was used, expired, or never existed."""

    def __init__(self, state: LinkState) -> None:
        self.state = state
        super().__init__(f"invitation link {state}")


class SignInFailed(DomainError):
    """Wrong email or password; which of the two is never said."""


class TooManyAttempts(DomainError):
    """Sign-in paused for this email after repeated wrong passwords."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(f"try again in {minutes} minute(s)")


MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationService:
    def __init__(
        self, store: Store, *, ttl: timedelta, changed: Changed, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._changed = changed
        self._ttl = ttl
        self._clock = clock
        self._failures: dict[str, list[datetime]] = {}
        """Recent wrong passwords per email, kept in this process: enough to stop
        guessing against one account, and forgotten on restart."""

    async def mint(self, user_id: int) -> str:
        """A fresh token for one user; called as the invitation email is sent."""
        token = secrets.token_urlsafe(32)
        expires = self._clock() + self._ttl
        await self._store.invitations.create(user_id, token_hash(token), expires)
        return token

    async def state(self, token: str) -> tuple[LinkState, User | None]:
        invitation = await self._store.invitations.find(token_hash(token))
        if invitation is None:
            return LinkState.UNKNOWN, None
        if invitation.used_at is not None:
            return LinkState.USED, invitation.user
        if invitation.expires_at <= self._clock():
            return LinkState.EXPIRED, invitation.user
        return LinkState.VALID, invitation.user

    async def accept(self, token: str, password: str, confirm: str) -> SignedIn:
        """Sets the password and signs in, once per link."""
        state, user = await self.state(token)
        if state is not LinkState.VALID or user is None:
            raise LinkNotUsable(state)
        if password != confirm:
            raise InvalidInput("password", "the two passwords differ; type the same one twice.")
        passwords.check(password, email=user.email, username=user.username)
        digest = await passwords.hash_password(password)
        redeemed = await self._store.invitations.redeem(token_hash(token), digest, self._clock())
        if redeemed is None:
            raise LinkNotUsable(LinkState.USED)
        self._changed([redeemed.id], "accepted the invitation")
        return await self._session(redeemed)

    async def sign_in(self, email: str, password: str) -> SignedIn:
        try:
            clean = normalize_email(email)
        except InvalidInput:
            raise SignInFailed() from None
        self._check_pace(clean)
        found = await self._store.invitations.password_hash(clean)
        if found is None:
            await passwords.verify(passwords.DUMMY_HASH, password)
            self._failed(clean)
        user, digest = found
        if not await passwords.verify(digest, password):
            self._failed(clean)
        self._failures.pop(clean, None)
        rehashed = (
            await passwords.hash_password(password) if passwords.needs_rehash(digest) else None
        )
        await self._store.invitations.signed_in(user.id, self._clock(), rehashed)
        self._changed([user.id], "signed in")
        return await self._session(user)

    def _recent(self, email: str) -> list[datetime]:
        horizon = self._clock() - FAILURE_WINDOW
        recent = [t for t in self._failures.get(email, []) if t > horizon]
        self._failures[email] = recent
        return recent

    def _check_pace(self, email: str) -> None:
        recent = self._recent(email)
        if len(recent) >= MAX_FAILURES:
            wait = recent[0] + FAILURE_WINDOW - self._clock()
            raise TooManyAttempts(max(1, int(wait.total_seconds() // 60) + 1))

    def _failed(self, email: str) -> NoReturn:
        self._recent(email).append(self._clock())
        raise SignInFailed()

    async def session_user(self, token: str) -> User | None:
        return await self._store.invitations.session_user(token_hash(token), self._clock())

    async def my_courses(self, user: User) -> list[Enrollment]:
        """What a signed-in learner sees of themselves; nobody else's."""
        return await self._store.users.enrollments(user.id)

    async def _session(self, user: User) -> SignedIn:
        token = secrets.token_urlsafe(32)
        expires = self._clock() + timedelta(days=SESSION_DAYS)
        await self._store.invitations.open_session(user.id, token_hash(token), expires)
        return SignedIn(user, token)
