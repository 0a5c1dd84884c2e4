"""Files in the emulator behave as in Slack: Slack Connect stubs, files.info,
files the bot may not see, downloads that need the token and may redirect."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator

ADA = "U0ADA1234"


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator()
    await emulator.start()
    emulator.add_member(ADA, "Ada", "ada@school.org")
    yield emulator
    await emulator.stop()


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


async def _get(url: str, token: str | None) -> tuple[int, str, bytes]:
    """One request, redirects not followed: (status, Location, body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers, allow_redirects=False) as answer,
    ):
        return answer.status, answer.headers.get("Location", ""), await answer.read()


async def test_a_file_from_slack_connect_arrives_as_a_stub_and_files_info_has_the_rest(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    stored = slack.user_upload(ADA, "people.xlsx", b"PK", connect=True)
    stub = slack.file_payload(stored)
    assert stub == {
        "id": stored.id,
        "mode": "file_access",
        "file_access": "check_file_info",
        "created": 0,
        "timestamp": 0,
        "user": "",
    }
    info = (await client.files_info(file=stub["id"]))["file"]
    assert (info["name"], info["user"], info["file_access"]) == ("people.xlsx", ADA, "visible")
    assert info["url_private_download"].endswith(f"/files-pri/{stored.id}/download")
    ordinary = slack.user_upload(ADA, "mine.xlsx", b"PK")
    assert slack.file_payload(ordinary) == slack.file_json(ordinary)


async def test_files_info_does_not_find_a_file_the_bot_may_not_see(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    hidden = slack.user_upload(ADA, "private.xlsx", b"PK", visible=False)
    for file_id in (hidden.id, "F404"):
        with pytest.raises(SlackApiError) as caught:
            await client.files_info(file=file_id)
        assert caught.value.response["error"] == "file_not_found"
    url = slack.file_json(hidden)["url_private_download"]
    assert (await _get(url, slack.bot_token))[0] == 404


async def test_a_download_needs_the_bot_token_and_is_recorded(slack: SlackEmulator) -> None:
    stored = slack.user_upload(ADA, "people.xlsx", b"the bytes")
    url = slack.file_json(stored)["url_private_download"]
    status, _, page = await _get(url, None)
    assert status == 200 and b"Sign in to Slack" in page
    assert await _get(url, slack.bot_token) == (200, "", b"the bytes")
    assert [(d.file_id, d.authorized, d.status) for d in slack.downloads] == [
        (stored.id, False, 200),
        (stored.id, True, 200),
    ]


async def test_downloads_may_redirect_on_the_same_host_or_to_another(
    slack: SlackEmulator,
) -> None:
    stored = slack.user_upload(ADA, "people.xlsx", b"the bytes")
    url = slack.file_json(stored)["url_private_download"]
    slack.redirect_downloads(2)
    status, first, _ = await _get(url, slack.bot_token)
    assert status == 302 and first == f"{url}?hop=1"
    status, second, _ = await _get(first, slack.bot_token)
    assert status == 302 and second == f"{url}?hop=2"
    assert await _get(second, slack.bot_token) == (200, "", b"the bytes")

    slack.redirect_downloads(1, host="localhost")
    status, elsewhere, _ = await _get(url, slack.bot_token)
    assert status == 302
    assert elsewhere == url.replace("127.0.0.1", "localhost") + "?hop=1"
