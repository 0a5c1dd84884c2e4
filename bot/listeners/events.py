"""The school events log's buttons: the next page, and the same view as a spreadsheet."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.ids import Action
from bot.listeners.errors import guard
from bot.listeners.grading import show_queue
from bot.services import Services
from bot.views.events import event_log, exported, read_value
from bot.xlsx_export import events_workbook
from domain.permissions import Capability


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    @app.action(Action.EVENTS_NEXT)
    @guarded
    async def next_page(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        words, after = read_value(str(action["value"]))
        log = await services.events.log(context["actor"], words, after=after)
        text, blocks = event_log(log)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(Action.DIGEST_REVIEW)
    @guarded
    async def review_queue(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        """From a digest in a channel: the queue, seen only by whoever clicked, who must
        be allowed to grade in that group."""
        await ack()
        actor = context["actor"]
        group = await services.groups.resolve(
            actor, f"#{action['value']}", Capability.REVIEW_CENTER
        )
        text, blocks = await show_queue(services, actor, group)
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    @app.action(Action.EVENTS_EXPORT)
    @guarded
    async def export(
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """Acknowledged at once; the rows are read page by page and the workbook written
        off the event loop, then shared in the clicker's direct message."""
        await ack()
        actor = context["actor"]
        words, _ = read_value(str(action["value"]))
        pages = await services.events.everything(actor, words)
        await respond(text=exported(), response_type="ephemeral", replace_original=False)
        rows = [row async for row in pages]
        zone = await services.school_time.zone()
        content = await asyncio.to_thread(events_workbook, rows, zone)
        direct = await slack_people.direct_message(client, actor.slack_user_id)
        await client.files_upload_v2(
            channel=direct,
            content=content,
            filename="events.xlsx",
            title="Events",
            initial_comment=f"The events log as filtered: {len(rows):,} event(s), newest first.",
        )
