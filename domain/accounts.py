"""Password links (invitations and resets), setting a password, signing in, and sessions.

Tokens are 32 random bytes; only their SHA-256 is stored, so a copy of the
database opens no account. SHA-256 suffices for such tokens (they are not
guessable the way passwords are); passwords themselves get Argon2id.

Setting a password, whichever way, ends every other way into the account: the
user's other links are revoked and their sessions end, in the same
transaction that uses the link.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain import passwords
from domain.clock import Clock, utc_now
from domain.entities import Enrollment, LinkPurpose, User, UserStatus
from domain.errors import DomainError, InvalidInput
from domain.passwords import Hasher
from domain.ports import Store
from domain.ports.hooks import Changed
from domain.throttle import SIGN_IN_BROWSER, SIGN_IN_CLIENT, SIGN_IN_EMAIL, Limit, Throttle
from domain.validation import normalize_email

SESSION_DAYS = 14
BROWSER_DAYS = 180
"""How long a browser that signed in is remembered as the account holder's."""
RESET_TTL = timedelta(hours=1)


class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class LinkNotUsable(DomainError):
    """The link was used (or replaced), expired, or never existed."""

    def __init__(self, state: LinkState) -> None:
        self.state = state
        super().__init__(f"password link {state}")


class SignInFailed(DomainError):
    """Wrong email or password; which of the two is never said."""


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_token: str
    browser_token: str
    """Marks this browser as one that signed in to the account (a cookie of its own)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(
        self,
        store: Store,
        *,
        ttl: timedelta,
        changed: Changed,
        hasher: Hasher | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._changed = changed
        self._ttl = {LinkPurpose.INVITATION: ttl, LinkPurpose.RESET: RESET_TTL}
        self._clock = clock
        self.hasher = hasher or Hasher()
        self.throttle = Throttle(store.attempts, clock)

    async def mint(self, user_id: int, purpose: LinkPurpose = LinkPurpose.INVITATION) -> str:
        """A fresh token for one user; called as the email carrying it is sent."""
        token = secrets.token_urlsafe(32)
        expires = self._clock() + self._ttl[purpose]
        await self._store.accounts.create(user_id, token_hash(token), expires, purpose)
        return token

    async def state(
        self, token: str, purpose: LinkPurpose = LinkPurpose.INVITATION
    ) -> tuple[LinkState, User | None]:
        link = await self._store.accounts.find(token_hash(token))
        if link is None or link.purpose is not purpose:
            return LinkState.UNKNOWN, None
        if link.used_at is not None or link.user.status is UserStatus.SUSPENDED:
            return LinkState.USED, link.user
        if link.expires_at <= self._clock():
            return LinkState.EXPIRED, link.user
        return LinkState.VALID, link.user

    async def accept(
        self,
        token: str,
        password: str,
        confirm: str,
        *,
        purpose: LinkPurpose = LinkPurpose.INVITATION,
        browser: str | None = None,
    ) -> SignedIn:
        """Sets the password and signs in, once per link; every other session and
        link of the user ends with it."""
        state, user = await self.state(token, purpose)
        if state is not LinkState.VALID or user is None:
            raise LinkNotUsable(state)
        if password != confirm:
            raise InvalidInput("password", "the two passwords differ; type the same one twice.")
        passwords.check(password, email=user.email, username=user.username)
        digest = await self.hasher.hash(password)
        now = self._clock()
        redeemed = await self._store.accounts.redeem(token_hash(token), purpose, digest, now)
        if redeemed is None:
            raise LinkNotUsable(LinkState.USED)
        await self.throttle.clear([(SIGN_IN_EMAIL, redeemed.email)])
        invited = purpose is LinkPurpose.INVITATION
        self._changed([redeemed.id], "accepted the invitation" if invited else "set a new password")
        return await self._session(redeemed, browser)

    async def sign_in(
        self, email: str, password: str, *, client: str, browser: str | None = None
    ) -> SignedIn:
        """Counts the attempt before the slow check (see domain/throttle.py). A browser
        that signed in to this account before is paced on its own, so nobody else's
        guesses at the account slow its owner down."""
        try:
            clean = normalize_email(email)
        except InvalidInput:
            await self.throttle.take([(SIGN_IN_CLIENT, client)])
            raise SignInFailed() from None
        limits = await self._limits(clean, client, browser)
        await self.throttle.take(limits)
        found = await self._store.accounts.password_hash(clean)
        digest = found[1] if found else passwords.DUMMY_HASH
        try:
            right = await self.hasher.verify(digest, password)
        except passwords.HasherBusy:
            await self.throttle.withdraw(limits)
            raise
        if found is None or not right or found[0].status is UserStatus.SUSPENDED:
            raise SignInFailed()
        user = found[0]
        await self.throttle.clear([lim for lim in limits if lim[0] is not SIGN_IN_CLIENT])
        await self.throttle.withdraw([lim for lim in limits if lim[0] is SIGN_IN_CLIENT])
        rehashed = await self.hasher.hash(password) if passwords.needs_rehash(digest) else None
        await self._store.accounts.signed_in(user.id, self._clock(), rehashed)
        self._changed([user.id], "signed in")
        return await self._session(user, browser)

    async def _limits(self, email: str, client: str, browser: str | None) -> list[Limit]:
        if browser:
            since = self._clock() - timedelta(days=BROWSER_DAYS)
            if await self._store.accounts.knows_browser(token_hash(browser), email, since):
                return [(SIGN_IN_BROWSER, token_hash(browser))]
        return [(SIGN_IN_EMAIL, email), (SIGN_IN_CLIENT, client)]

    async def session_user(self, token: str) -> User | None:
        return await self._store.accounts.session_user(token_hash(token), self._clock())

    async def sign_out(self, token: str) -> None:
        """Ends the session on the server: the cookie, if kept or copied, opens nothing."""
        await self._store.accounts.end_session(token_hash(token))

    async def my_courses(self, user: User) -> list[Enrollment]:
        """What a signed-in learner sees of themselves; nobody else's."""
        return await self._store.users.enrollments(user.id)

    async def _session(self, user: User, browser: str | None) -> SignedIn:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        await self._store.accounts.open_session(
            user.id, token_hash(token), now + timedelta(days=SESSION_DAYS)
        )
        browser = browser or secrets.token_urlsafe(32)
        await self._store.accounts.remember_browser(user.id, token_hash(browser), now)
        return SignedIn(user, token, browser)
