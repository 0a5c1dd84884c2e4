"""Learners' password links, sessions and sign-in tallies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from domain.entities import Invitation, LinkPurpose, Tally, User, Verdict


class AccountStore(Protocol):
    async def create(
        self, user_id: int, token_hash: str, expires_at: datetime, purpose: LinkPurpose
    ) -> None: ...
    async def find(self, token_hash: str) -> Invitation | None: ...
    async def redeem(
        self, token_hash: str, purpose: LinkPurpose, password_hash: str, now: datetime
    ) -> User | None:
        """Uses the link once and sets the password, in one transaction that also
        revokes the user's other links, ends their sessions and forgets their
        browsers. None when the link was used, expired, is for another purpose, or
        its user is suspended."""
        ...

    async def password_hash(self, email: str) -> tuple[User, str] | None: ...
    async def signed_in(self, user_id: int, now: datetime, new_hash: str | None) -> None: ...
    async def open_session(self, user_id: int, token_hash: str, expires_at: datetime) -> None: ...
    async def session_user(self, token_hash: str, now: datetime) -> User | None: ...
    async def end_session(self, token_hash: str) -> None: ...
    async def remember_browser(self, user_id: int, token_hash: str, now: datetime) -> None:
        """Marks a browser that signed in to this account; only the newest few are kept."""
        ...

    async def knows_browser(self, token_hash: str, email: str, since: datetime) -> bool:
        """Whether this browser signed in to the account with this email after ``since``."""
        ...


class AttemptStore(Protocol):
    async def take(
        self, keys: Sequence[str], now: datetime, judge: Callable[[list[Tally]], Verdict]
    ) -> Verdict:
        """Locks the keys' tallies (a missing one reads as empty) in one transaction,
        asks ``judge``, and stores the tallies of the verdict when it allows."""
        ...

    async def settle(self, *, clear: Sequence[str], lower: Sequence[str]) -> None:
        """Deletes the ``clear`` tallies; takes one attempt off each ``lower`` tally."""
        ...

    async def forget_before(self, moment: datetime) -> int:
        """Deletes tallies last touched before ``moment``; how many."""
        ...
