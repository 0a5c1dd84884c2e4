"""Posting scheduled reports: each due period once, to its channel.

:meth:`ScheduledReports.run_due` takes "now" as an argument: APScheduler calls
it every minute with the clock's time, and tests call it with any time they
like. A schedule whose owner may no longer read the report pauses, and the
owner hears why, instead of being skipped in silence.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.scheduled_content import compose
from bot.services import Services
from bot.views import schedules as words
from bot.views.errors import describe
from domain.errors import DomainError
from domain.schedules import MAX_ATTEMPTS, Delivery, DeliveryState, ReportSchedule

log = logging.getLogger("roster.reports")
REPORT_TICK_SECONDS = 60
REPORTS_AT_ONCE = 4
"""Reports counted at the same moment, whatever the channels waiting for Slack's pace:
each is a few aggregate queries, and more at once would only queue on the database
while acks wait behind them."""
"""How often APScheduler asks the database what is due: every schedule's times are
on the minute, so each is found within a minute of its time."""


class ScheduledReports:
    def __init__(self, client: AsyncWebClient, services: Services) -> None:
        self._client = client
        self._services = services
        self._counting = asyncio.Semaphore(REPORTS_AT_ONCE)

    async def recover(self, *, now: datetime) -> None:
        """At start: a delivery a crash left in *posting* may or may not have reached
        Slack. It becomes *uncertain* and its owner is told; it is not posted again."""
        schedules = self._services.schedules
        for delivery in await schedules.interrupted(now=now):
            schedule = await self._schedule(delivery.schedule_id)
            if schedule is not None:
                await self._tell(schedule, words.uncertain(schedule, delivery))

    async def run_due(self, now: datetime) -> int:
        """Delivers every active schedule's latest period not delivered yet, and tries
        failed posts again when their time comes; returns how many were posted.

        Every due period is claimed first; then each channel's deliveries go one
        after another (Slack takes about a post a second in a channel, and the
        client's pacer waits for it) while channels go side by side, so 500 reports
        due in one minute take about as long as the busiest channel's."""
        due: dict[str, list[tuple[ReportSchedule, Delivery]]] = defaultdict(list)
        for schedule in await self._services.schedules.active():
            period = schedule.timing.latest(now)
            if period is None or period < schedule.created_at:
                continue
            delivery = await self._services.schedules.claim(schedule, period, now=now)
            if delivery is not None:
                due[schedule.channel].append((schedule, delivery))
        for delivery in await self._services.schedules.retries(now=now):
            found = await self._schedule(delivery.schedule_id)
            if found is not None:
                due[found.channel].append((found, delivery))
        return sum(await asyncio.gather(*(self._in_order(queue, now) for queue in due.values())))

    async def _in_order(self, queue: list[tuple[ReportSchedule, Delivery]], now: datetime) -> int:
        return sum([await self.deliver(s, d, now=now) for s, d in queue])

    async def run_now(self, schedule: ReportSchedule, *, now: datetime) -> bool:
        """*Run now*: a delivery of its own, keyed by this moment, posted even when
        there is nothing to report: someone asked to see it."""
        delivery = await self._services.schedules.claim(schedule, now, now=now)
        return delivery is not None and bool(
            await self.deliver(schedule, delivery, now=now, asked=True)
        )

    async def deliver(
        self, schedule: ReportSchedule, delivery: Delivery, *, now: datetime, asked: bool = False
    ) -> int:
        """Reads the report as its owner may now, then posts it once; a period with
        nothing to report is only recorded when the schedule says so."""
        schedules = self._services.schedules
        try:
            async with self._counting:
                composed = await compose(
                    self._client, self._services, schedule, delivery.period, now=now
                )
        except DomainError as error:
            await self._pause(schedule, delivery, error, now=now)
            return 0
        if composed.empty and not (schedule.post_empty or asked):
            await schedules.quiet(delivery, now=now)
            return 0
        if not await schedules.start_posting(delivery, now=now):
            return 0
        try:
            sent = await self._client.chat_postMessage(
                channel=schedule.channel, text=composed.text, blocks=composed.blocks
            )
        except SlackApiError as error:
            await self._not_posted(schedule, delivery, error, now=now)
            return 0
        await schedules.posted(delivery, str(sent["ts"]), now=now)
        if composed.thread is not None:
            try:
                await composed.thread(str(sent["ts"]))
            except SlackApiError:
                log.exception("the thread of scheduled report %s was not completed", schedule.id)
        return 1

    async def _pause(
        self, schedule: ReportSchedule, delivery: Delivery, error: DomainError, *, now: datetime
    ) -> None:
        """Its owner may no longer read it: paused, and they are told why."""
        schedules = self._services.schedules
        await schedules.failed(delivery, DeliveryState.PENDING, str(error), now=now)
        await schedules.pause(schedule, now=now, reason=describe(error))
        await self._tell(schedule, words.paused_for(schedule, describe(error)))

    async def _not_posted(
        self, schedule: ReportSchedule, delivery: Delivery, error: SlackApiError, *, now: datetime
    ) -> None:
        """Slack refused it: tried again later, and the owner told the first and last time."""
        reason = str(error.response.get("error") or "slack_error")
        await self._services.schedules.failed(delivery, DeliveryState.POSTING, reason, now=now)
        retrying = delivery.attempts + 1 < MAX_ATTEMPTS
        if delivery.attempts == 0 or not retrying:
            await self._tell(schedule, words.failed(schedule, reason, retrying=retrying))

    async def _schedule(self, schedule_id: int) -> ReportSchedule | None:
        return await self._services.schedules.get(schedule_id)

    async def _tell(self, schedule: ReportSchedule, text: str) -> None:
        try:
            opened = await self._client.conversations_open(users=schedule.owner_slack_id)
            await self._client.chat_postMessage(channel=opened["channel"]["id"], text=text)
        except SlackApiError:
            log.exception("could not tell the owner of scheduled report %s", schedule.id)
