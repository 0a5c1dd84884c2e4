"""Channels that follow events as they happen: subscribing, listing, unsubscribing,
and how a burst of events becomes one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.entities import Actor
from domain.errors import InvalidInput
from domain.events.model import EventType, LoggedEvent, Subscription
from domain.events.service import TYPE_NAMES
from domain.groups import GroupService
from domain.permissions import Capability, require
from domain.ports import Store


@dataclass(frozen=True, slots=True)
class Wanted:
    """What ``subscribe``/``unsubscribe`` were told besides the channel."""

    group_id: int | None
    group: str
    types: frozenset[EventType]


class SubscriptionService:
    def __init__(self, store: Store, groups: GroupService) -> None:
        self._store = store
        self._groups = groups

    async def subscribe(
        self, actor: Actor, channel: str, words: Sequence[str]
    ) -> tuple[Subscription, bool]:
        """``[group] [event types]``: a group's events need *View activity history* on
        it; the whole school's are for admins. Again for the same channel and group, it
        changes the types; True when the subscription is new."""
        wanted = await self._wanted(actor, words)
        return await self._store.subscriptions.save(
            channel=channel, group_id=wanted.group_id, types=wanted.types, by=actor.user_id
        )

    async def listing(self, actor: Actor) -> list[Subscription]:
        require(actor, Capability.VIEW_ACTIVITY)
        reach = None if actor.is_admin else actor.managed_group_ids
        return await self._store.subscriptions.listing(reach)

    async def everyone(self) -> list[Subscription]:
        """Every subscription, for the feed (no one is asking)."""
        return await self._store.subscriptions.listing(None)

    async def advance(self, subscription: Subscription, cursor: int) -> None:
        await self._store.subscriptions.advance(subscription.id, cursor)

    async def unsubscribe(self, actor: Actor, channel: str, words: Sequence[str]) -> Subscription:
        wanted = await self._wanted(actor, words)
        for found in await self.listing(actor):
            if found.channel == channel and found.group_id == wanted.group_id:
                await self._store.subscriptions.remove(found.id)
                return found
        what = wanted.group or "the whole school"
        raise InvalidInput(
            "subscription",
            f"<#{channel}> does not follow {what}; `/group subscriptions` lists what does.",
        )

    async def _wanted(self, actor: Actor, words: Sequence[str]) -> Wanted:
        require(actor, Capability.VIEW_ACTIVITY)
        types: set[EventType] = set()
        names = [w for w in words if w.lower() not in TYPE_NAMES]
        for word in words:
            types |= TYPE_NAMES.get(word.lower(), frozenset())
        if len(names) > 1:
            raise InvalidInput(
                "group",
                f"Name one group, in double quotes if it has spaces; `{names[1]}` is not an "
                "event type.",
            )
        if not names:
            if not actor.is_admin:
                raise InvalidInput(
                    "group", "Name one of your groups: only admins follow the whole school."
                )
            return Wanted(None, "", frozenset(types))
        group = await self._groups.resolve(actor, names[0], Capability.VIEW_ACTIVITY)
        return Wanted(group.id, group.title, frozenset(types))


SAMPLE = 200
"""Events a burst keeps to name; it counts them all."""


@dataclass(frozen=True, slots=True)
class Burst:
    """Events alike (type, group, course, cause) that arrived together: one line.
    ``events`` are the first ``SAMPLE``; ``people`` how many people they concern."""

    events: tuple[LoggedEvent, ...]
    people: int

    @property
    def first(self) -> LoggedEvent:
        return self.events[0]


class Gathering:
    """Bursts gathered page by page, so a 100,000-person import is counted whole while
    only its first few hundred events are kept."""

    def __init__(self) -> None:
        self._sample: dict[tuple[object, ...], list[LoggedEvent]] = {}
        self._people: dict[tuple[object, ...], set[int | None]] = {}

    def add(self, events: Sequence[LoggedEvent]) -> None:
        for logged in events:
            event, cause = logged.event, logged.event.cause
            key = (event.type, event.group_id, event.course_id, cause.how, cause.job_id, cause.by)
            kept = self._sample.setdefault(key, [])
            if len(kept) < SAMPLE:
                kept.append(logged)
            self._people.setdefault(key, set()).add(event.user_id)

    def bursts(self) -> list[Burst]:
        """In the order each burst first appeared."""
        return [Burst(tuple(kept), len(self._people[k])) for k, kept in self._sample.items()]
