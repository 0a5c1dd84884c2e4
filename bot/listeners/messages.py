"""Messages in Roster's direct message (the ``message.im`` subscription).

Slack sends every message of that conversation: the person's own, their edits
(``message_changed``) and deletions (``message_deleted``), integrations'
(``bot_message``), and Roster's own, which bolt skips by comparing them with
``auth.test``'s bot id and user. Every one is acknowledged: an event left
unanswered (bolt answers 404 when no listener takes it) is retried three times,
and Slack turns event delivery off for an app whose deliveries keep failing.

A file with a group's name starts a bulk import; a person's plain message gets
a short help, once (a retry of it is not delivered here, see
``once_per_event``); edits, deletions and bots' messages get nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.bulk import Dropped
from bot.listeners.errors import guard
from bot.services import Services
from bot.views.help import direct_message_help


def register(app: AsyncApp, services: Services, dropped: Dropped) -> None:
    guarded = guard(services)

    @app.event("message")
    @guarded
    async def message(
        event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        if event.get("channel_type") != "im":
            return
        subtype = event.get("subtype")
        if subtype == "file_share":
            await dropped(event, client, context)
        elif subtype is None and not event.get("bot_id"):
            await client.chat_postMessage(
                channel=event["channel"],
                thread_ts=event.get("thread_ts"),
                text=direct_message_help(),
            )
