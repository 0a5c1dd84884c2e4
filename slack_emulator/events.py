"""Events API payloads, shaped as Slack sends them.

The outer callback is docs.slack.dev/apis/events-api ("Callback field
overview"); each event is its reference page: message and its subtypes
``message_changed``, ``message_deleted``, ``bot_message`` and ``file_share``
(docs.slack.dev/reference/events/message and its subtype pages),
``app_home_opened``, ``user_change``, ``tokens_revoked``, ``app_uninstalled``.
Text in them is already escaped the way Slack escapes it (see escaping.py).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from slack_emulator.state import Message

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator

APP_ID = "A0ROSTER"
BOT_ID = "B0ROSTERBOT"


def callback(slack: SlackEmulator, event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    """The envelope every event arrives in."""
    return {
        "token": "legacy-verification-token",
        "team_id": slack.team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or slack.ids.next("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": slack.team_id,
                "user_id": slack.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def _rich_text(text: str) -> list[dict[str, Any]]:
    """What Slack's composer adds to a person's message: the same text as rich text."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}]


def person_message(slack: SlackEmulator, message: Message, typed: str) -> dict[str, Any]:
    """A plain message a person sent (no subtype): ``text`` escaped, and the same
    words as rich text, which is structured and so not escaped."""
    event: dict[str, Any] = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": message.text,
        "user": message.user,
        "ts": message.ts,
        "blocks": _rich_text(typed),
        "team": slack.team_id,
        "channel": message.channel,
        "event_ts": message.ts,
        "channel_type": "im",
    }
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
    return event


def _inner(message: Message) -> dict[str, Any]:
    return {"type": "message", "user": message.user, "text": message.text, "ts": message.ts}


def message_changed(slack: SlackEmulator, before: Message, after: Message) -> dict[str, Any]:
    """A person edited their message: the event names no user of its own, only the
    edited message and the one before it."""
    now = slack.ids.ts()
    edited = {**_inner(after), "edited": {"user": after.user, "ts": now}}
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": edited,
        "previous_message": _inner(before),
        "channel": after.channel,
        "hidden": True,
        "ts": now,
        "event_ts": now,
        "channel_type": "im",
    }


def message_deleted(slack: SlackEmulator, message: Message) -> dict[str, Any]:
    now = slack.ids.ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": _inner(message),
        "channel": message.channel,
        "hidden": True,
        "deleted_ts": message.ts,
        "ts": now,
        "event_ts": now,
        "channel_type": "im",
    }


def bot_message(message: Message, *, bot_id: str, username: str) -> dict[str, Any]:
    """A message from an integration (``bot_message``): a bot id, no user."""
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": message.text,
        "ts": message.ts,
        "bot_id": bot_id,
        "username": username,
        "channel": message.channel,
        "event_ts": message.ts,
        "channel_type": "im",
    }


def app_message(slack: SlackEmulator, message: Message) -> dict[str, Any]:
    """A message the app itself posted, as ``message.im`` delivers it back: its bot
    user and bot id, which bolt compares with ``auth.test`` to skip it."""
    event: dict[str, Any] = {
        "type": "message",
        "text": message.text,
        "user": slack.bot_user_id,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "bot_profile": {"id": BOT_ID, "app_id": APP_ID, "name": "Roster", "deleted": False},
        "blocks": message.blocks,
        "team": slack.team_id,
        "ts": message.ts,
        "channel": message.channel,
        "event_ts": message.ts,
        "channel_type": "im",
    }
    if message.files:
        event |= {
            "subtype": "file_share",
            "files": [slack.file_json(slack.files[f]) for f in message.files],
        }
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
    return event


def file_share(slack: SlackEmulator, message: Message) -> dict[str, Any]:
    """A person dropped a file (with a message) into the direct message."""
    return {
        "type": "message",
        "subtype": "file_share",
        "user": message.user,
        "channel": message.channel,
        "channel_type": "im",
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "files": [slack.file_payload(slack.files[f]) for f in message.files],
    }


def app_home_opened(slack: SlackEmulator, user_id: str) -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": slack.dm_id(user_id),
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


def user_change(slack: SlackEmulator, user_id: str, *, deleted: bool) -> dict[str, Any]:
    """A member's account changed; ``deleted`` is whether it is now deactivated."""
    member = slack.members[user_id].as_api(slack.team_id, email=True)
    user = {**member, "deleted": deleted, "updated": int(time.time())}
    return {
        "type": "user_change",
        "user": user,
        "cache_ts": int(time.time()),
        "event_ts": f"{time.time():.6f}",
    }


def tokens_revoked(slack: SlackEmulator) -> dict[str, Any]:
    """The app's bot token is revoked (user tokens would be listed under ``oauth``)."""
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": [], "bot": [slack.bot_user_id]},
        "event_ts": f"{time.time():.6f}",
    }


def app_uninstalled() -> dict[str, Any]:
    return {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}
