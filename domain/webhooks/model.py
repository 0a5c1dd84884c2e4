"""A webhook endpoint and one delivery owed to it, as records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import NotFound
from domain.events.model import EventType, LoggedEvent


class WebhookNotFound(NotFound):
    """No webhook has this number; ``roster webhook list`` shows them."""

    kind = "webhook"


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: int
    url: str
    secret: str
    types: frozenset[EventType]
    created_at: datetime
    cursor: int
    failing_since: datetime | None
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    endpoint: Endpoint
    event: LoggedEvent
    attempts: int
    created_at: datetime
