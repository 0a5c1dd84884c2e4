"""Reading the school events log as plain tuples a test compares."""

from __future__ import annotations

from domain.events.model import EventFilter, EventType
from storage.store import TortoiseStore

Seen = tuple[str, str, str, str, str, str]
"""(type, how, by whom, about whom, group, course)."""


async def recorded(*types: EventType) -> list[Seen]:
    """Every event of these types (all when none), oldest first."""
    page = await TortoiseStore().events.page(
        EventFilter(types=frozenset(types)), after=None, limit=100_000
    )
    return [
        (
            e.event.type.value,
            e.event.cause.how.value,
            e.actor,
            e.user,
            e.group,
            e.course,
        )
        for e in reversed(page.items)
    ]


async def details(kind: EventType) -> list[str]:
    page = await TortoiseStore().events.page(
        EventFilter(types=frozenset({kind})), after=None, limit=100_000
    )
    return [e.event.detail for e in reversed(page.items)]
