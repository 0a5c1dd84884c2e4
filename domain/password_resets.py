"""`/forgot`: a learner asks for a way back in, by email.

The answer must not tell whether an address belongs to anyone, so what runs
before it is the same for every address: the request is counted against
the email's and the client's limits, and that is all. Looking the address up
and queueing the email happen after the answer, in a task of their own.

A learner with a password gets a reset link (an hour, once); someone who was
invited but never chose a password gets a fresh invitation link instead (they
lost the first one); a suspended or unknown address gets nothing. Either
email goes through the outbox, so it is in the Emails log, and the link is
minted only as it is sent.
"""

from __future__ import annotations

import asyncio
import logging

from domain.clock import Clock
from domain.entities import UserStatus
from domain.letters import Letters, OutgoingEmail
from domain.ports import Store
from domain.throttle import LINK_CLIENT, LINK_EMAIL, Throttle
from domain.validation import normalize_email

log = logging.getLogger(__name__)


class PasswordResets:
    def __init__(self, store: Store, letters: Letters, throttle: Throttle, clock: Clock) -> None:
        self._store = store
        self._letters = letters
        self._throttle = throttle
        self._clock = clock
        self._answering: set[asyncio.Task[None]] = set()

    async def request(self, email: str, *, client: str) -> str:
        """Counts the request and starts answering it; returns the address as read.

        Raises InvalidInput for something that is not an email address, and
        TooManyAttempts when this client or this address asked too often; both
        happen alike whether or not the address is known."""
        clean = normalize_email(email)
        await self._throttle.take([(LINK_CLIENT, client), (LINK_EMAIL, clean)])
        task = asyncio.get_running_loop().create_task(self._answer(clean))
        self._answering.add(task)
        task.add_done_callback(self._answered)
        return clean

    async def _answer(self, email: str) -> None:
        letter = await self._letter(email)
        if letter is not None:
            await self._store.outbox.queue([letter], self._clock(), events=())

    async def _letter(self, email: str) -> OutgoingEmail | None:
        found = await self._store.accounts.password_hash(email)
        user = found[0] if found else await self._store.users.by_email(email)
        if user is None or user.status is UserStatus.SUSPENDED:
            return None
        if found:
            return self._letters.password_reset(user)
        return self._letters.new_invitation_link(user)

    def _answered(self, task: asyncio.Task[None]) -> None:
        self._answering.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("answering a password-link request failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Waits for the answers under way (at shutdown, so none is lost)."""
        while self._answering:
            await asyncio.gather(*self._answering, return_exceptions=True)
