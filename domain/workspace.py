"""Roster's place in its Slack workspace: deliveries, its installation, accounts.

Slack delivers each event at least once: it retries a slow or failed
delivery, and with several Roster processes (or a restart) the same event
may reach another one. An event is claimed once, by its id, in the database;
a repeat changes nothing. Claims are kept a few days, far longer than Slack
retries.

When Slack says the app was uninstalled or its bot token revoked, Roster
stops calling Slack until a valid token is seen again; the admins are told by
email, the only way left to reach them. When a person's Slack account is
deactivated, their roles in Roster pause (they stay managers on record but
may do nothing) until it is reactivated; if they managed groups or were an
admin, the other admins hear it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.clock import Clock, utc_now
from domain.entities import Departure, User
from domain.letters import Letters, OutgoingEmail
from domain.ports import Store

EVENT_RETENTION = timedelta(days=3)
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class AccountChange:
    """A person whose Slack account was deactivated or reactivated, and what they ran."""

    user: User
    groups: tuple[str, ...]
    restored: bool

    @property
    def ran_something(self) -> bool:
        """Whether anyone needs telling: they manage groups or are an admin."""
        return bool(self.groups) or self.user.is_admin


class WorkspaceService:
    def __init__(
        self,
        store: Store,
        letters: Letters,
        *,
        env_admins: Iterable[str] = (),
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._letters = letters
        self._env_admins = frozenset(env_admins)
        self._clock = clock
        self._next_prune: datetime | None = None

    async def first_delivery(self, event_id: str) -> bool:
        """True the first time this event id is seen, by any process; the claims of
        days ago are pruned now and then on the way."""
        now = self._clock()
        fresh = await self._store.workspace.claim_event(event_id, now)
        if self._next_prune is None or now >= self._next_prune:
            self._next_prune = now + PRUNE_EVERY
            await self._store.workspace.forget_events(before=now - EVENT_RETENTION)
        return fresh

    async def departure(self) -> Departure | None:
        return await self._store.workspace.departure()

    async def departed(self, reason: str) -> bool:
        """Records that Slack dropped Roster; True the first time (Slack sends both
        ``tokens_revoked`` and ``app_uninstalled``), when the admins are emailed."""
        departure = Departure(reason, self._clock())
        emails = [self._letters.slack_removed(a, reason) for a in await self._admins()]
        return await self._store.workspace.depart(departure, emails)

    async def returned(self) -> Departure | None:
        """Slack takes Roster's token again: what had stopped it, if anything did."""
        return await self._store.workspace.clear_departure()

    async def account_deactivated(self, slack_user_id: str) -> AccountChange | None:
        return await self._account(slack_user_id, deactivated=True)

    async def account_reactivated(self, slack_user_id: str) -> AccountChange | None:
        return await self._account(slack_user_id, deactivated=False)

    async def _account(self, slack_user_id: str, *, deactivated: bool) -> AccountChange | None:
        """The change, when this account's state really changed (Slack sends a
        ``user_change`` for any edit of a profile); the admins' emails go with it."""
        user = await self._store.users.by_slack_id(slack_user_id)
        if user is None or (user.slack_deactivated_at is not None) == deactivated:
            return None
        ids = await self._store.users.managed_group_ids(user.id)
        groups = tuple(sorted(await self._store.groups.titles(ids), key=str.casefold))
        change = AccountChange(user, groups, restored=not deactivated)
        emails: list[OutgoingEmail] = []
        if change.ran_something:
            others = [a for a in await self._admins() if a.id != user.id]
            emails = [
                self._letters.manager_paused(a, user, groups, restored=not deactivated)
                for a in others
            ]
        at = self._clock() if deactivated else None
        if not await self._store.workspace.set_deactivated(user.id, at, emails, self._clock()):
            return None
        return change

    async def _admins(self) -> list[User]:
        """The admins with an email Roster knows and an account that is active."""
        admins = {u.id: u for u in await self._store.users.admins()}
        for slack_user_id in self._env_admins:
            user = await self._store.users.by_slack_id(slack_user_id)
            if user is not None:
                admins[user.id] = user
        return [a for a in admins.values() if a.slack_deactivated_at is None]
