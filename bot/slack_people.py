"""Looking Slack accounts up, to turn a mention into a school user."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from domain.entities import SlackProfile
from domain.errors import NotLinkable


async def profile(client: AsyncWebClient, slack_user_id: str) -> SlackProfile:
    try:
        answer = await client.users_info(user=slack_user_id)
    except SlackApiError as error:
        raise NotLinkable(
            slack_user_id, f"Slack does not know this account ({error.response['error']})"
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
    return [await profile(client, user_id) for user_id in slack_user_ids]
