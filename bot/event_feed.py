"""Posting events to the channels that follow them, as they happen, at Slack's pace.

The feed runs on the scheduler, so only the leading process posts. Each round it
waits until no event has arrived for ``QUIET`` seconds (or the oldest has waited
``HOLD``), so a bulk import's chunks land in one message, not one each; then,
per subscription, it reads what came after its cursor, posts one message with a line
per burst and the people of each burst in its thread, and moves the cursor. Posts go
through the process's paced client: one message a second per channel at most.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.views.events import burst_details, feed_post
from domain.events.model import Subscription
from domain.events.subscriptions import Gathering

log = logging.getLogger("roster.events")

QUIET = 3.0
"""Seconds without a new event before the feed posts what came."""
HOLD = 60.0
"""Seconds the feed holds events back at most while more keep coming."""
READ_AT_ONCE = 10_000
"""Events read per query; a round reads all it owes a channel, page by page."""
GONE = {"not_in_channel", "channel_not_found", "is_archived"}


class EventFeed:
    def __init__(
        self,
        client: AsyncWebClient,
        services: Services,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._services = services
        self._clock = clock
        self._seen = -1
        self._changed = clock()
        self._waiting: float | None = None
        """Since when events have been waiting to be posted; None when none are."""

    async def round(self) -> None:
        """One round: posts what every subscription has not had yet, once events settle."""
        latest, now = await self._services.events.latest_id(), self._clock()
        if latest != self._seen:
            self._waiting = now if self._waiting is None else self._waiting
            self._seen, self._changed = latest, now
        if self._waiting is None:
            return
        if now - self._changed < QUIET and now - self._waiting < HOLD:
            return
        self._waiting = None
        for subscription in await self._services.subscriptions.everyone():
            if subscription.cursor < latest:
                await self._post(subscription, latest)

    async def _post(self, subscription: Subscription, upto: int) -> None:
        gathering, reached = Gathering(), subscription.cursor
        while reached < upto:
            events = await self._services.events.unsent(
                subscription, after=reached, upto=upto, limit=READ_AT_ONCE
            )
            gathering.add(events)
            reached = events[-1].event.id if len(events) == READ_AT_ONCE else upto
        found = gathering.bursts()
        try:
            if found:
                text, blocks = feed_post(found)
                sent = await self._client.chat_postMessage(
                    channel=subscription.channel, text=text, blocks=blocks
                )
                for burst in found:
                    details = burst_details(burst)
                    if details is not None:
                        await self._client.chat_postMessage(
                            channel=subscription.channel,
                            thread_ts=sent["ts"],
                            text=details[0],
                            blocks=details[1],
                        )
        except SlackApiError as error:
            if error.response.get("error") not in GONE:
                raise
            log.warning("events for %s not posted: %s", subscription.channel, error)
        await self._services.subscriptions.advance(subscription, upto)
