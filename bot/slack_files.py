"""Sharing a file where the person asked, or in a direct message when the bot
is not in that channel (Slack answers ``not_in_channel``)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

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
