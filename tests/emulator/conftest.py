"""An emulated workspace and the real slack_sdk client, as Roster uses them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator

ADA = "U0ADA1234"
BEN = "U0BEN1234"


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator()
    await emulator.start()
    emulator.add_member(ADA, "Ada", "ada@school.org")
    emulator.add_member(BEN, "Ben", "ben@school.org")
    yield emulator
    await emulator.stop()


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


async def refusal(call: Awaitable[Any]) -> dict[str, Any]:
    """Slack's whole answer to a call it refuses."""
    with pytest.raises(SlackApiError) as caught:
        await call
    return dict(caught.value.response.data)
