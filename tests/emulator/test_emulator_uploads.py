"""files.completeUploadExternal: a conversation id the bot is in, and a share that
lands a moment after the answer, as Slack's does."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from tests.emulator.conftest import ADA, refusal


async def test_a_user_id_is_not_a_channel_id_for_the_share(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    answer = await refusal(client.files_upload_v2(channel=ADA, content=b"a", filename="a.csv"))
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]"
    ]
    short = await refusal(client.files_upload_v2(channel="C1", content=b"a", filename="a.csv"))
    assert short["error"] == "invalid_arguments"


async def test_the_bot_must_be_in_the_channel(slack: SlackEmulator, client: AsyncWebClient) -> None:
    lounge = slack.add_channel("lounge")
    answer = await refusal(client.files_upload_v2(channel=lounge, content=b"a", filename="a.csv"))
    assert answer["error"] == "not_in_channel"
    private = slack.add_channel("secret", private=True)
    answer = await refusal(client.files_upload_v2(channel=private, content=b"a", filename="a.csv"))
    assert answer["error"] == "channel_not_found"


async def test_the_file_appears_in_the_channel_a_moment_after_the_answer(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    direct = (await client.conversations_open(users=ADA))["channel"]["id"]
    done = await client.files_upload_v2(
        channel=direct, content=b"a,b\n", filename="rows.csv", initial_comment="here"
    )
    assert done["file"]["title"] == "rows.csv"
    assert [m for m in slack.messages if m.files] == []
    shared = await slack.wait_for(lambda: [m for m in slack.messages if m.files])
    assert (shared[0].channel, shared[0].text, shared[0].files) == (
        direct,
        "here",
        [done["file"]["id"]],
    )
    assert slack.files[done["file"]["id"]].shared_to == [direct]
