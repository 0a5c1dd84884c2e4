"""Scopes and people: a method needs one of its scopes, as the token holds them
(the manifest's bot scopes), and users.info says what a test made of each person."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from slack_emulator.server import manifest_scopes
from tests.emulator.conftest import ADA, refusal


@pytest.fixture
async def without_email() -> AsyncIterator[SlackEmulator]:
    """A workspace where the app was installed without users:read.email and im:write."""
    scopes = [s for s in manifest_scopes() if s not in {"users:read.email", "im:write"}]
    emulator = SlackEmulator(scopes=scopes)
    await emulator.start()
    emulator.add_member(ADA, "Ada", "ada@school.org")
    yield emulator
    await emulator.stop()


def test_the_token_holds_the_manifests_bot_scopes(slack: SlackEmulator) -> None:
    assert "chat:write" in slack.scopes and "users:read.email" in slack.scopes
    assert slack.scopes == manifest_scopes()


async def test_a_method_without_its_scope_answers_missing_scope_with_needed_and_provided(
    without_email: SlackEmulator,
) -> None:
    client = AsyncWebClient(token=without_email.bot_token, base_url=without_email.api_url)
    answer = await refusal(client.users_lookupByEmail(email="ada@school.org"))
    assert answer["error"] == "missing_scope"
    assert answer["needed"] == "users:read.email"
    assert answer["provided"] == ",".join(without_email.scopes)
    opened = await refusal(client.conversations_open(users=ADA))
    assert opened["needed"] == "channels:manage,groups:write,im:write,mpim:write"


async def test_users_info_leaves_the_email_out_without_users_read_email(
    without_email: SlackEmulator,
) -> None:
    client = AsyncWebClient(token=without_email.bot_token, base_url=without_email.api_url)
    user = (await client.users_info(user=ADA))["user"]
    assert "email" not in user["profile"] and user["real_name"] == "Ada"


async def test_users_info_says_who_is_deactivated_a_guest_or_a_bot(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    slack.add_member("U0GONE0001", "Gone", "gone@school.org", deleted=True)
    slack.add_member("U0GUEST001", "Guest", "guest@school.org", restricted=True)
    slack.add_member("U0SINGLE01", "Single", "single@school.org", ultra_restricted=True)
    slack.add_member("U0OTHERBOT", "Helper", None, is_bot=True)

    async def flags(user_id: str) -> tuple[bool, bool, bool, bool]:
        user = (await client.users_info(user=user_id))["user"]
        return (user["deleted"], user["is_restricted"], user["is_ultra_restricted"], user["is_bot"])

    assert await flags(ADA) == (False, False, False, False)
    assert await flags("U0GONE0001") == (True, False, False, False)
    assert await flags("U0GUEST001") == (False, True, False, False)
    assert await flags("U0SINGLE01") == (False, True, True, False)
    assert await flags("U0OTHERBOT") == (False, False, False, True)
    full = (await client.users_info(user=ADA))["user"]
    assert full["profile"]["email"] == "ada@school.org"


async def test_conversations_open_refuses_a_deactivated_account(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    slack.add_member("U0GONE0001", "Gone", "gone@school.org", deleted=True)
    assert (await refusal(client.conversations_open(users="U0GONE0001")))["error"] == (
        "user_disabled"
    )


def test_a_member_needs_an_id_as_long_as_slacks(slack: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="not a Slack user id"):
        slack.add_member("U1", "Short", None)
