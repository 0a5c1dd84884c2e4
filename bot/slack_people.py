"""Looking Slack accounts up, to turn a mention into a school user.

Lookups made before an ack share Slack's 3 seconds with everything else, and
``users.info`` may answer 429 (the retry handler then sleeps ``Retry-After``):
they run side by side, and a listener waits for them only until
:func:`in_time` says the time for lookups is up, then acknowledges and
reports the outcome later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from domain.entities import SlackProfile
from domain.errors import NotLinkable, Unlinkable

LINK_SECONDS = 1.0
"""How long after a request arrives linking a new caller may hold up its ack."""
SUBMIT_SECONDS = 2.0
"""How long after a form is submitted its work (lookups included) may hold up the
ack; Slack gives up at 3 s, and the answer still has to travel."""


async def profile(client: AsyncWebClient, slack_user_id: str) -> SlackProfile:
    try:
        answer = await client.users_info(user=slack_user_id)
    except SlackApiError as error:
        raise NotLinkable(
            slack_user_id, Unlinkable.UNKNOWN_TO_SLACK, slack_error=str(error.response["error"])
        ) from None
    user = answer["user"]
    return SlackProfile(
        slack_user_id=user["id"],
        email=user.get("profile", {}).get("email"),
        name=user.get("real_name") or user.get("name", ""),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
        restricted=bool(user.get("is_restricted")),
        ultra_restricted=bool(user.get("is_ultra_restricted")),
    )


async def profiles(client: AsyncWebClient, slack_user_ids: list[str]) -> list[SlackProfile]:
    """All at once: a form with five managers waits for the slowest, not the sum."""
    return list(await asyncio.gather(*(profile(client, u) for u in slack_user_ids)))


async def in_time(work: Awaitable[object], received: float, seconds: float) -> bool:
    """Whether ``work`` (a task) finished within ``seconds`` of the request's
    arrival (``time.monotonic()``); it goes on running either way."""
    task = asyncio.ensure_future(work)
    remaining = received + seconds - time.monotonic()
    if remaining > 0 and not task.done():
        await asyncio.wait({task}, timeout=remaining)
    return task.done()


async def direct_message(client: AsyncWebClient, user_id: str) -> str:
    """The id of Roster's direct message with this person, opened if need be: the
    place for what only they should see, and what a channel refused."""
    opened = await client.conversations_open(users=user_id)
    return str(opened["channel"]["id"])
