"""Reading the school events log, within what the caller may see, and pruning it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.clock import Clock, utc_now
from domain.entities import Actor, Group, User
from domain.errors import InvalidInput
from domain.events.model import (
    Cursor,
    EventFilter,
    EventPage,
    EventType,
    LoggedEvent,
    Subscription,
)
from domain.groups import GroupService
from domain.permissions import Capability, allows, require
from domain.ports import Store
from domain.school_time import school_now
from domain.validation import normalize_email, parse_since

LOG_PAGE = 25
HOME_LATEST = 10
EXPORT_CAP = 100_000
"""Rows an export holds at most; a narrower filter gets the rest."""
PRUNE_BATCH = 5_000
DIGEST_NAMES = 20


def type_names() -> dict[str, frozenset[EventType]]:
    """What a person may type for event types: a full key (``member.added``), its last
    part where no other type shares it (``completed``), or a family (``bulk``)."""
    names: dict[str, set[EventType]] = {}
    for kind in EventType:
        family, _, last = kind.value.partition(".")
        names.setdefault(kind.value, set()).add(kind)
        names.setdefault(family, set()).add(kind)
        names.setdefault(last, set()).add(kind)
    clashing = {
        last
        for kind in EventType
        for last in [kind.value.partition(".")[2]]
        if sum(k.value.partition(".")[2] == last for k in EventType) > 1
    }
    return {name: frozenset(kinds) for name, kinds in names.items() if name not in clashing}


TYPE_NAMES = type_names()


@dataclass(frozen=True, slots=True)
class EventLog:
    """A page of the log with what it was filtered by, as typed, for the next page."""

    page: EventPage
    words: tuple[str, ...]
    chosen: EventFilter
    group: str
    """The title of the group asked for, if any."""


@dataclass(frozen=True, slots=True)
class Digest:
    """A group's events over a period, and what is worth acting on."""

    group: Group
    since: datetime
    until: datetime
    counts: dict[EventType, int]
    completed: tuple[LoggedEvent, ...]
    never_signed_in: tuple[User, ...]


class EventService:
    def __init__(self, store: Store, groups: GroupService, clock: Clock = utc_now) -> None:
        self._store = store
        self._groups = groups
        self._clock = clock

    async def log(
        self, actor: Actor, words: Sequence[str], *, after: Cursor | None = None
    ) -> EventLog:
        """``/group log events [type] [since] [until] [group] [person]``, in any order;
        a manager with *View activity history* sees their groups' events, an admin all."""
        chosen, group = await self._filter(actor, words)
        page = await self._store.events.page(chosen, after=after, limit=LOG_PAGE)
        return EventLog(page, tuple(words), chosen, group)

    async def everything(self, actor: Actor, words: Sequence[str]) -> AsyncIterator[LoggedEvent]:
        """The same view as the log, every page of it (up to ``EXPORT_CAP``), for a file;
        whoever may not read it is refused here, before a row is read."""
        chosen, _ = await self._filter(actor, words)
        return self._pages(chosen)

    async def _pages(self, chosen: EventFilter) -> AsyncIterator[LoggedEvent]:
        after: Cursor | None = None
        given = 0
        while given < EXPORT_CAP:
            page = await self._store.events.page(chosen, after=after, limit=1000)
            for item in page.items[: EXPORT_CAP - given]:
                yield item
            given += len(page.items)
            if page.next is None:
                return
            after = page.next

    async def digest(
        self, actor: Actor, group: Group, *, since: datetime, until: datetime
    ) -> Digest:
        """Counts by type, who completed (the latest 20), and who was invited but has
        never signed in: for a scheduled events digest, read as its owner may."""
        require(actor, Capability.VIEW_ACTIVITY, group)
        chosen = EventFilter(group_id=group.id, since=since, until=until)
        counts = await self._store.events.counts(chosen)
        done = replace(chosen, types=frozenset({EventType.COMPLETED}))
        completed = await self._store.events.page(done, after=None, limit=DIGEST_NAMES)
        never = await self._store.members.never_signed_in(group.id)
        return Digest(group, since, until, counts, completed.items, tuple(never))

    async def latest(self, actor: Actor) -> tuple[LoggedEvent, ...]:
        """App Home's latest events in the caller's groups; none without the right."""
        if not allows(actor, Capability.VIEW_ACTIVITY):
            return ()
        page = await self._store.events.page(self._reach(actor), after=None, limit=HOME_LATEST)
        return page.items

    async def latest_id(self) -> int:
        return await self._store.events.latest_id()

    async def unsent(
        self, subscription: Subscription, *, after: int, upto: int, limit: int
    ) -> list[LoggedEvent]:
        """What a channel's feed has not posted yet, from after event ``after`` up to
        ``upto``, oldest first."""
        return await self._store.events.after(after, subscription.wants(), upto=upto, limit=limit)

    async def prune(self, *, keep_days: int) -> int:
        """Deletes events older than ``keep_days``, in batches; how many went."""
        before = self._clock() - timedelta(days=keep_days)
        gone = 0
        while taken := await self._store.events.prune(before=before, limit=PRUNE_BATCH):
            gone += taken
        return gone

    def _reach(self, actor: Actor) -> EventFilter:
        return EventFilter(groups=None if actor.is_admin else actor.managed_group_ids)

    async def _filter(self, actor: Actor, words: Sequence[str]) -> tuple[EventFilter, str]:
        require(actor, Capability.VIEW_ACTIVITY)
        chosen, title = self._reach(actor), ""
        now = await school_now(self._store, self._clock)
        types: set[EventType] = set()
        times: list[datetime] = []
        for word in words:
            lowered = word.lower()
            if lowered in TYPE_NAMES:
                types |= TYPE_NAMES[lowered]
            elif "@" in word:
                chosen = replace(chosen, user_id=await self._person(word))
            elif _is_time(word, now):
                times.append(parse_since(word, now=now))
            else:
                group = await self._groups.resolve(actor, word, Capability.VIEW_ACTIVITY)
                chosen, title = replace(chosen, group_id=group.id), group.title
        if len(times) > 2:
            raise InvalidInput("filter", "Give at most two times: since, then until.")
        ordered: list[datetime | None] = [*sorted(times), None, None]
        chosen = replace(chosen, types=frozenset(types), since=ordered[0], until=ordered[1])
        return chosen, title

    async def _person(self, typed: str) -> int:
        email = normalize_email(typed)
        user = await self._store.users.by_email(email)
        if user is None:
            raise InvalidInput("person", f"No one in the school has the email {email}.")
        return user.id


def _is_time(word: str, now: datetime) -> bool:
    try:
        parse_since(word, now=now)
    except InvalidInput:
        return False
    return True
