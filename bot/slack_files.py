"""Sharing a file where the person asked, or in a direct message when the bot
is not in that channel (Slack answers ``not_in_channel``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from domain.imports import FileRefused

_ELSEWHERE = {"not_in_channel", "channel_not_found"}


async def share_file(
    client: AsyncWebClient,
    *,
    channel: str,
    user: str,
    content: bytes,
    filename: str,
    title: str,
    comment: str,
) -> str:
    """Returns the channel the file went to."""
    try:
        await client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            initial_comment=comment,
        )
        return channel
    except SlackApiError as error:
        if error.response.get("error") not in _ELSEWHERE:
            raise
    direct = (await client.conversations_open(users=user))["channel"]["id"]
    await client.files_upload_v2(
        channel=direct, content=content, filename=filename, title=title, initial_comment=comment
    )
    return direct


async def download(url: str, token: str, cap: int, *, allowed: set[str]) -> bytes:
    """A file a person shared, fetched with the bot token and cut off at ``cap`` bytes."""
    if urlsplit(url).hostname not in allowed:
        raise FileRefused("The file does not come from Slack; upload it again in Slack.")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        if answer.status != 200 or answer.content_type == "text/html":
            raise FileRefused("Slack did not hand over the file; upload it again.")
        received = bytearray()
        async for chunk in answer.content.iter_chunked(65536):
            received += chunk
            if len(received) > cap:
                raise FileRefused.too_large(cap)
    return bytes(received)
