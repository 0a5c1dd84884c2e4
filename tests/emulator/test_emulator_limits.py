"""The emulator refuses what Slack refuses, through the real slack_sdk client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator

ADA = "U0ADA1234"

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}
CHANNEL = "C0TEAM0001"
"""A channel the bot is in."""


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator()
    await emulator.start()
    emulator.add_member(ADA, "Ada", "ada@school.org")
    emulator.add_channel("team", bot=True, channel_id=CHANNEL)
    yield emulator
    await emulator.stop()


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


def modal(blocks: list[dict]) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Test"}, "blocks": blocks}


async def _error(call) -> tuple[str, list[str]]:
    with pytest.raises(SlackApiError) as caught:
        await call
    response = caught.value.response
    return response["error"], response.get("response_metadata", {}).get("messages", [])


async def test_a_message_of_50_blocks_passes_and_51_is_refused(client: AsyncWebClient) -> None:
    await client.chat_postMessage(channel=CHANNEL, text="ok", blocks=[SECTION] * 50)
    error, messages = await _error(
        client.chat_postMessage(channel=CHANNEL, text="x", blocks=[SECTION] * 51)
    )
    assert error == "invalid_blocks"
    assert messages == ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]


async def test_a_modal_of_101_blocks_is_refused(slack: SlackEmulator, client) -> None:
    trigger = slack.issue_trigger(ADA)
    error, messages = await _error(
        client.views_open(trigger_id=trigger, view=modal([SECTION] * 101))
    )
    assert error == "invalid_arguments"
    assert "no more than 100 items allowed" in messages[0]


async def test_a_section_of_3001_characters_is_refused(client: AsyncWebClient) -> None:
    long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    error, messages = await _error(
        client.chat_postMessage(channel=CHANNEL, text="x", blocks=[long])
    )
    assert error == "invalid_blocks"
    assert messages == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


async def test_a_trigger_id_works_once(slack: SlackEmulator, client: AsyncWebClient) -> None:
    trigger = slack.issue_trigger(ADA)
    await client.views_open(trigger_id=trigger, view=modal([SECTION]))
    error, _ = await _error(client.views_open(trigger_id=trigger, view=modal([SECTION])))
    assert error == "exchanged_trigger_id"


async def test_a_trigger_id_expires_after_three_seconds(slack: SlackEmulator, client) -> None:
    trigger = slack.issue_trigger(ADA)
    slack.triggers[trigger].issued_at -= 3.5
    error, _ = await _error(client.views_open(trigger_id=trigger, view=modal([SECTION])))
    assert error == "expired_trigger_id"


async def test_modal_titles_over_24_characters_are_refused(slack: SlackEmulator, client) -> None:
    view = modal([SECTION])
    view["title"]["text"] = "x" * 25
    error, messages = await _error(
        client.views_open(trigger_id=slack.issue_trigger(ADA), view=view)
    )
    assert error == "invalid_arguments" and "/view/title/text" in messages[0]


async def test_a_response_url_takes_five_posts(slack: SlackEmulator) -> None:
    url = slack.issue_response_url(ADA, CHANNEL)
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(6):
            async with session.post(url, json={"text": "hi"}) as response:
                statuses.append(response.status)
    assert statuses == [200] * 5 + [404]


async def test_a_wrong_token_is_refused(slack: SlackEmulator) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    error, _ = await _error(client.auth_test())
    assert error == "invalid_auth"


async def test_rate_limits_answer_429_and_the_retry_handler_waits(slack: SlackEmulator) -> None:
    slack.rate_limit("chat.postMessage", times=2, retry_after=0)
    bare = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    error, _ = await _error(bare.chat_postMessage(channel=CHANNEL, text="hi"))
    assert error == "ratelimited"
    patient = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    patient.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    assert (await patient.chat_postMessage(channel=CHANNEL, text="hi"))["ok"]
    assert [c.error for c in slack.calls_to("chat.postMessage")] == ["ratelimited"] * 2 + [None]


async def test_files_upload_v1_is_retired_and_v2_shares_the_file(slack: SlackEmulator, client):
    error, _ = await _error(client.api_call("files.upload", data={"channels": CHANNEL}))
    assert error == "method_deprecated"
    elsewhere = slack.add_channel("elsewhere")
    outside = client.files_upload_v2(channel=elsewhere, content=b"a", filename="a.csv")
    assert (await _error(outside))[0] == "not_in_channel"
    slack.join(elsewhere)
    await client.files_upload_v2(
        channel=elsewhere, content=b"a,b\n", filename="rows.csv", initial_comment="here"
    )
    stored = list(slack.files.values())[-1]
    await slack.wait_for(lambda: stored.shared_to)
    assert stored.content == b"a,b\n" and stored.shared_to == [elsewhere]
    info = await client.files_info(file=stored.id)
    url = info["file"]["url_private_download"]
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as anonymous:
            assert "Sign in" in await anonymous.text()
        headers = {"Authorization": f"Bearer {slack.bot_token}"}
        async with session.get(url, headers=headers) as authorised:
            assert await authorised.read() == b"a,b\n"


async def test_repeated_action_ids_in_one_block_are_refused(client: AsyncWebClient) -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "a"}
    blocks = [{"type": "actions", "elements": [button, button]}]
    error, messages = await _error(
        client.chat_postMessage(channel=CHANNEL, text="x", blocks=blocks)
    )
    assert error == "invalid_blocks" and "action_id 'a' is repeated" in messages[0]


def _input(element: dict) -> dict:
    label = {"type": "plain_text", "text": "Field"}
    return {"type": "input", "block_id": "field", "label": label, "element": element}


def _submit(view: dict) -> dict:
    return {**view, "submit": {"type": "plain_text", "text": "Go"}}


async def test_a_file_input_only_in_an_input_block_of_a_modal(slack: SlackEmulator, client):
    file_input = {"type": "file_input", "action_id": "file", "max_files": 1}
    in_message = await _error(
        client.chat_postMessage(channel=CHANNEL, text="x", blocks=[_input(file_input)])
    )
    assert "file_input is only supported in modals" in in_message[1][0]
    beside = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": file_input}
    error, messages = await _error(
        client.views_open(trigger_id=slack.issue_trigger(ADA), view=modal([beside]))
    )
    assert error == "invalid_arguments" and "only supported in input blocks" in messages[0]
    view = _submit(modal([_input(file_input)]))
    assert (await client.views_open(trigger_id=slack.issue_trigger(ADA), view=view))["ok"]


async def test_a_file_input_takes_1_to_10_files(slack: SlackEmulator, client) -> None:
    for most in (0, 11):
        view = _submit(modal([_input({"type": "file_input", "max_files": most})]))
        _, messages = await _error(
            client.views_open(trigger_id=slack.issue_trigger(ADA), view=view)
        )
        assert messages == [
            "[ERROR] max_files must be between 1 and 10 "
            "[json-pointer:/view/blocks/0/element/max_files]"
        ]


async def test_a_number_input_says_whether_decimals_are_allowed(slack, client) -> None:
    view = _submit(modal([_input({"type": "number_input", "action_id": "n"})]))
    _, messages = await _error(client.views_open(trigger_id=slack.issue_trigger(ADA), view=view))
    assert messages == [
        "[ERROR] missing required field: is_decimal_allowed [json-pointer:/view/blocks/0/element]"
    ]


async def test_initial_users_are_user_ids(slack: SlackEmulator, client) -> None:
    picker = {"type": "multi_users_select", "initial_users": [ADA, "ada@school.org"]}
    view = _submit(modal([_input(picker)]))
    _, messages = await _error(client.views_open(trigger_id=slack.issue_trigger(ADA), view=view))
    assert messages == [
        "[ERROR] 'ada@school.org' is not a user id "
        "[json-pointer:/view/blocks/0/element/initial_users/1]"
    ]


def _image(**source: object) -> dict:
    return {"type": "image", "alt_text": "Completion per course", **source}


async def test_an_image_block_shows_an_image_the_bot_uploaded_or_an_https_address(
    client: AsyncWebClient,
) -> None:
    uploaded = await client.files_upload_v2(
        channel=CHANNEL, content=b"\x89PNG\r\n", filename="chart.png"
    )
    file_id = uploaded["file"]["id"]
    await client.chat_postMessage(
        channel=CHANNEL, text="chart", blocks=[_image(slack_file={"id": file_id})]
    )
    await client.chat_postMessage(
        channel=CHANNEL, text="chart", blocks=[_image(image_url="https://school.org/c.png")]
    )


async def test_an_image_block_without_a_usable_source_is_refused(
    client: AsyncWebClient,
) -> None:
    sheet = await client.files_upload_v2(channel=CHANNEL, content=b"a,b", filename="rows.csv")
    cases = {
        "/blocks/0/image_url": _image(image_url="http://school.org/c.png"),
        "/blocks/0/slack_file/id": _image(slack_file={"id": "F0NOSUCH01"}),
        "/blocks/0/slack_file": _image(slack_file={"id": sheet["file"]["id"]}),
        "/blocks/0": _image(),
        "/blocks/0/alt_text": {"type": "image", "image_url": "https://school.org/c.png"},
    }
    for pointer, block in cases.items():
        error, messages = await _error(
            client.chat_postMessage(channel=CHANNEL, text="x", blocks=[block])
        )
        assert error == "invalid_blocks"
        assert len(messages) == 1 and messages[0].endswith(f"[json-pointer:{pointer}]"), messages


async def test_a_modal_stack_takes_two_pushed_views_and_no_more(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    await client.views_open(trigger_id=slack.issue_trigger(ADA), view=modal([SECTION]))
    for _ in range(2):
        await client.views_push(trigger_id=slack.issue_trigger(ADA), view=modal([SECTION]))
    error, _ = await _error(
        client.views_push(trigger_id=slack.issue_trigger(ADA), view=modal([SECTION]))
    )
    assert error == "push_limit_reached"


async def test_a_view_over_250_kb_is_too_large(slack: SlackEmulator, client) -> None:
    big = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}
    error, _ = await _error(
        client.views_open(trigger_id=slack.issue_trigger(ADA), view=modal([big] * 90))
    )
    assert error == "view_too_large"


async def test_a_message_with_neither_text_nor_blocks_is_refused(client: AsyncWebClient) -> None:
    with pytest.warns(UserWarning, match="`text` argument is missing"):
        error, _ = await _error(client.chat_postMessage(channel=CHANNEL, text=""))
    assert error == "no_text"
