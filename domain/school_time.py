"""The school's time zone: where its days begin and end.

Durations need no zone, but days do: "since 2026-11-01" and "the last 7 days"
start at midnight somewhere, a date printed in a file falls on one day or the
next, and a scheduled report whose creator's zone is unknown runs at 09:00
somewhere. That somewhere is the school's zone, UTC until an admin sets it.
Slack messages show moments with Slack's date formatting instead, which every
reader sees in their own zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.clock import Clock, utc_now
from domain.entities import Actor
from domain.errors import InvalidInput
from domain.permissions import Capability, require

ZONE_KEY = "school.time_zone"
DEFAULT_ZONE = "UTC"


def parse_zone(text: str) -> str:
    """A time zone as typed, by its IANA name (``Europe/Madrid``); one normaliser for
    the school's setting and every schedule."""
    name = text.strip()
    if name.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "time zone",
            f"`{text}` is not a time zone",
            fix="name one like Europe/Madrid, America/New_York or UTC",
        ) from None
    return name


class Settings(Protocol):
    async def get(self, key: str, default: object) -> object: ...
    async def put(self, key: str, value: object) -> None: ...


class SettingsHolder(Protocol):
    @property
    def settings(self) -> Settings: ...


async def school_now(store: SettingsHolder, clock: Clock = utc_now) -> datetime:
    """This moment on the school's clock: the zone travels with it, so a filter read
    against it ("7d", a date) starts its days at the school's midnight."""
    return clock().astimezone(ZoneInfo(await _zone(store)))


async def _zone(store: SettingsHolder) -> str:
    stored = await store.settings.get(ZONE_KEY, {})
    return str(stored.get("name") or DEFAULT_ZONE) if isinstance(stored, dict) else DEFAULT_ZONE


class SchoolTime:
    def __init__(self, store: SettingsHolder, *, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    async def zone(self) -> str:
        return await _zone(self._store)

    async def now(self) -> datetime:
        return await school_now(self._store, self._clock)

    async def set_zone(self, actor: Actor, text: str) -> str:
        """School-wide, so admins only."""
        require(actor, Capability.SCHOOL_SETTINGS)
        zone = parse_zone(text)
        await self._store.settings.put(ZONE_KEY, {"name": zone})
        return zone
