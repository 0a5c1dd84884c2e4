"""Socket Mode as Slack runs it, driven by slack_sdk's own Socket Mode client.

docs.slack.dev/apis/events-api/using-socket-mode and
docs.slack.dev/reference/methods/apps.connections.open; the client is
slack_sdk/socket_mode/aiohttp/__init__.py (what bolt's AsyncSocketModeHandler
runs), and envelopes and acks are slack_sdk/socket_mode/request.py and
response.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackDriver, SlackEmulator
from slack_emulator.transport import TIMED_OUT

ADA = "U0ADALOVE"
Answer = Callable[[SocketModeRequest], dict[str, Any] | None]


class App:
    """An app on Socket Mode: keeps every message, acks envelopes as ``answer`` says
    (None: no ack at all)."""

    def __init__(self, slack: SlackEmulator) -> None:
        self.messages: list[dict[str, Any]] = []
        self.answer: Answer = lambda request: {}
        web = AsyncWebClient(base_url=slack.api_url)
        self.client = SocketModeClient(app_token=slack.socket_mode.app_token, web_client=web)
        self.client.message_listeners.append(self._keep)
        self.client.socket_mode_request_listeners.append(self._ack)

    async def _keep(self, client: Any, message: dict[str, Any], raw: str | None) -> None:
        self.messages.append(message)

    async def _ack(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        payload = self.answer(request)
        if payload is not None:
            response = SocketModeResponse(request.envelope_id, payload or None)
            await client.send_socket_mode_response(response)


@pytest.fixture
async def world() -> AsyncIterator[tuple[SlackEmulator, SlackDriver, App]]:
    slack = SlackEmulator()
    await slack.start()
    slack.add_member(ADA, "Ada Lovelace", "ada@school.org")
    app = App(slack)
    await app.client.connect()
    await slack.socket_mode.connected()
    async with aiohttp.ClientSession() as session:
        yield slack, SlackDriver(slack, "http://unused", "secret", session, socket_mode=True), app
    await app.client.close()
    await slack.stop()


async def test_only_an_app_level_token_opens_a_connection() -> None:
    slack = SlackEmulator()
    await slack.start()
    try:
        for token, error in [
            (slack.bot_token, "not_allowed_token_type"),
            ("xapp-1-A0OTHER-1-wrong", "invalid_auth"),
            ("", "not_authed"),
        ]:
            with pytest.raises(SlackApiError) as refused:
                await AsyncWebClient(base_url=slack.api_url).apps_connections_open(app_token=token)
            assert refused.value.response["error"] == error
        client = AsyncWebClient(token=slack.socket_mode.app_token, base_url=slack.api_url)
        with pytest.raises(SlackApiError) as refused:
            await client.auth_test()
        assert refused.value.response["error"] == "not_allowed_token_type"
        opened = await AsyncWebClient(base_url=slack.api_url).apps_connections_open(
            app_token=slack.socket_mode.app_token
        )
        assert "/link/?ticket=" in opened["url"] and opened["url"].startswith("ws://")
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(opened["url"]) as first:
                assert (await first.receive_json())["type"] == "hello"
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(opened["url"])
    finally:
        await slack.stop()


async def test_hello_comes_first_then_envelopes_acked_by_their_id(world) -> None:
    _, driver, app = world
    app.answer = lambda request: {"text": f"done: {request.payload['text']}"}
    interaction = await driver.command(ADA, "add Ops ana@school.org")
    hello, command = app.messages
    assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0ROSTER"
    assert command["type"] == "slash_commands" and command["accepts_response_payload"] is True
    assert command["payload"]["command"] == "/group" and command["payload"]["user_id"] == ADA
    assert command["payload"]["text"] == "add Ops <mailto:ana@school.org|ana@school.org>"
    assert interaction.status == 200
    assert interaction.ack == {"text": f"done: {command['payload']['text']}"}


async def test_interactive_and_event_envelopes(world) -> None:
    slack, driver, app = world
    await driver.open_home(ADA)
    event = app.messages[-1]
    assert event["type"] == "events_api" and event["accepts_response_payload"] is False
    assert (event["retry_attempt"], event["retry_reason"]) == (0, "")
    assert event["payload"]["type"] == "event_callback"
    assert event["payload"]["event"]["type"] == "app_home_opened"
    opened = await AsyncWebClient(token=slack.bot_token, base_url=slack.api_url).views_open(
        trigger_id=slack.issue_trigger(ADA),
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [],
        },
    )
    await driver.submit(ADA, slack.views[opened["view"]["id"]], {})
    submission = app.messages[-1]
    assert submission["type"] == "interactive" and submission["accepts_response_payload"] is True
    assert submission["payload"]["type"] == "view_submission"


async def test_an_event_not_acknowledged_in_time_is_sent_again_as_a_retry(world) -> None:
    slack, driver, app = world
    slack.socket_mode.ack_seconds = 0.2  # Slack's 3 s, shortened for this test only
    app.answer = lambda request: None
    interaction = await driver.open_home(ADA)
    envelopes = [m for m in app.messages if m["type"] == "events_api"]
    assert [(e["retry_attempt"], e["retry_reason"]) for e in envelopes] == [
        (0, ""),
        (1, "timeout"),
        (2, "timeout"),
        (3, "timeout"),
    ]
    assert len({e["envelope_id"] for e in envelopes}) == 4
    assert len({e["payload"]["event_id"] for e in envelopes}) == 1
    assert interaction.status == TIMED_OUT


async def test_a_late_command_fails_and_a_stray_ack_is_ignored(world) -> None:
    slack, driver, app = world
    slack.socket_mode.ack_seconds = 0.2
    app.answer = lambda request: None
    interaction = await driver.command(ADA, "list")
    assert interaction.timed_out
    assert len([m for m in app.messages if m["type"] == "slash_commands"]) == 1
    await app.client.send_socket_mode_response({"envelope_id": "never-sent"})
    await slack.wait_for(lambda: slack.socket_mode.unknown_acks)
    assert slack.socket_mode.unknown_acks == [{"envelope_id": "never-sent"}]


async def test_a_disconnect_message_makes_the_client_open_a_new_connection(world) -> None:
    slack, driver, _ = world
    opened = len(slack.calls_to("apps.connections.open"))
    await slack.socket_mode.disconnect()
    await slack.wait_for(lambda: len(slack.calls_to("apps.connections.open")) > opened)
    await slack.socket_mode.connected()
    await asyncio.sleep(0.1)
    interaction = await driver.command(ADA, "help")
    assert interaction.status == 200
