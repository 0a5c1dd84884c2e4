"""Where Roster is asked to post: a channel named in a command, checked with Slack.

Roster posts only where it was invited (it has no ``chat:write.public``), so a
channel it is not in is refused up front with how to invite it, rather than
failing on the first post."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Command, UsageError
from domain.entities import Actor
from domain.schedules import ChannelUnreachable

_CHANNEL_ID = re.compile(r"^<?#?([CGD][A-Z0-9]{8,})(?:\|[^>]*)?>?$")


async def reachable_channel(
    client: AsyncWebClient, actor: Actor, here: str, word: str, *, usage: Command
) -> str:
    """``here``, ``me`` (our direct message) or a channel Roster is in
    (``conversations.info`` says whether it is a member)."""
    if word.lower() in {"me", "dm"}:
        opened = await client.conversations_open(users=actor.slack_user_id)
        return str(opened["channel"]["id"])
    match = _CHANNEL_ID.match(word)
    channel = here if word.lower() == "here" else (match.group(1) if match else "")
    if not channel:
        raise UsageError(
            "Say where to post: `here` (this channel), `me` (our direct message) or a "
            f"#channel, not `{word}`.",
            usage,
        )
    if channel.startswith("D"):
        return channel
    try:
        info: dict[str, Any] = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError:
        raise ChannelUnreachable(channel) from None
    if not info.get("is_member"):
        raise ChannelUnreachable(channel)
    return channel
