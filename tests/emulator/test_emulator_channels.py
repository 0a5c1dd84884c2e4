"""Where the bot may post and edit: channels it is in, its own direct messages (by
their D id), its own messages; and what Slack answers everywhere else."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from slack_emulator.state import Message
from tests.emulator.conftest import ADA, BEN, refusal


async def test_posting_where_the_bot_is_not_answers_as_slack_does(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    public = slack.add_channel("lounge")
    private = slack.add_channel("secret", private=True, members=[ADA])
    archived = slack.add_channel("old", archived=True, bot=True)
    theirs = slack.add_im(ADA, BEN)
    cases = {
        public: "not_in_channel",
        "C0NOSUCH01": "channel_not_found",
        private: "channel_not_found",
        theirs: "channel_not_found",
        archived: "is_archived",
        "U0NOBODY01": "channel_not_found",
    }
    for channel, error in cases.items():
        answer = await refusal(client.chat_postMessage(channel=channel, text="hi"))
        assert answer["error"] == error, channel
    assert slack.messages == []
    slack.join(public)
    assert (await client.chat_postMessage(channel=public, text="hi"))["channel"] == public
    assert private.startswith("G") and public.startswith("C") and theirs.startswith("D")


async def test_chat_write_public_lets_the_bot_post_in_public_channels_it_is_not_in() -> None:
    slack = SlackEmulator(scopes=["chat:write", "chat:write.public"])
    await slack.start()
    try:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        assert (await client.chat_postMessage(channel="C0GENERAL", text="hi"))["ok"]
        private = slack.add_channel("secret", private=True)
        answer = await refusal(client.chat_postMessage(channel=private, text="hi"))
        assert answer["error"] == "channel_not_found"
    finally:
        await slack.stop()


async def test_a_post_to_a_user_id_lands_in_the_dm_and_answers_its_d_id(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel=ADA, text="hello")
    assert posted["channel"] == slack.dm_id(ADA) == "D0ADA1234"
    opened = await client.conversations_open(users=ADA)
    assert opened["channel"]["id"] == posted["channel"]
    assert [(m.channel, m.text) for m in slack.messages] == [("D0ADA1234", "hello")]


async def test_chat_update_needs_the_d_id_and_the_bots_own_message(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel=ADA, text="first")
    by_user = await refusal(client.chat_update(channel=ADA, ts=posted["ts"], text="x"))
    assert by_user["error"] == "channel_not_found"
    edited = await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="second")
    assert edited["channel"] == "D0ADA1234" and slack.messages[0].text == "second"
    unknown = await refusal(client.chat_update(channel=posted["channel"], ts="1.000001", text="x"))
    assert unknown["error"] == "message_not_found"
    theirs = slack.store_message(Message("D0ADA1234", "2.000002", "mine", [], ADA))
    answer = await refusal(client.chat_update(channel="D0ADA1234", ts=theirs.ts, text="x"))
    assert answer["error"] == "cant_update_message" and theirs.text == "mine"


async def test_an_ephemeral_message_cannot_be_edited(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    slack.join("C0GENERAL")
    sent = await client.chat_postEphemeral(channel="C0GENERAL", user=ADA, text="just you")
    answer = await refusal(client.chat_update(channel="C0GENERAL", ts=sent["message_ts"], text="x"))
    assert answer["error"] == "message_not_found"
    outside = slack.add_channel("elsewhere", bot=True)
    answer = await refusal(client.chat_postEphemeral(channel=outside, user=ADA, text="x"))
    assert answer["error"] == "user_not_in_channel"


async def test_editing_in_an_archived_channel_is_refused(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    channel = slack.add_channel("team", bot=True)
    posted = await client.chat_postMessage(channel=channel, text="hi")
    slack.channels[channel].archived = True
    answer = await refusal(client.chat_update(channel=channel, ts=posted["ts"], text="x"))
    assert answer["error"] == "is_inactive"


@pytest.mark.parametrize(
    ("kind", "needed"),
    [("public", "channels:read"), ("private", "groups:read"), ("im", "im:read")],
)
async def test_conversations_info_needs_the_read_scope_of_the_kind(kind: str, needed: str) -> None:
    slack = SlackEmulator(scopes=["chat:write"])
    await slack.start()
    try:
        slack.add_member(ADA, "Ada", None)
        channel = {
            "public": lambda: slack.add_channel("team", bot=True),
            "private": lambda: slack.add_channel("secret", private=True, bot=True),
            "im": lambda: slack.im_with(ADA).id,
        }[kind]()
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        answer = await refusal(client.conversations_info(channel=channel))
        assert (answer["error"], answer["needed"]) == ("missing_scope", needed)
        slack.scopes = (*slack.scopes, needed)
        info = (await client.conversations_info(channel=channel))["channel"]
        assert info["id"] == channel
    finally:
        await slack.stop()


async def test_conversations_info_tells_whether_the_bot_is_in_a_channel(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    lounge = slack.add_channel("lounge")
    assert (await client.conversations_info(channel=lounge))["channel"]["is_member"] is False
    slack.join(lounge)
    info = (await client.conversations_info(channel=lounge))["channel"]
    assert (info["name"], info["is_member"], info["is_private"]) == ("lounge", True, False)
    private = slack.add_channel("secret", private=True)
    assert (await refusal(client.conversations_info(channel=private)))["error"] == (
        "channel_not_found"
    )
