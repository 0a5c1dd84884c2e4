"""Events and interactions reach an app as Slack sends them, and are retried as Slack does.

- The message event and its subtypes: docs.slack.dev/reference/events/message,
  .../message/message_changed, .../message_deleted, .../bot_message, .../file_share.
- Retries: docs.slack.dev/apis/events-api ("Failure conditions", "Retries"):
  up to 3 retries, ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``
  (``http_timeout`` after 3 s without an answer, ``http_error`` for a non-2xx).
- url_verification: docs.slack.dev/reference/events/url_verification.
- Uninstalling: docs.slack.dev/reference/events/tokens_revoked and app_uninstalled.
- A modal updated by a submission's ack is a new version with a new hash
  (docs.slack.dev/reference/methods/views.update, ``hash``).
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackDriver, SlackEmulator
from slack_emulator.transport import TIMED_OUT

SECRET = "emulator-test-secret"
ADA = "U0ADALOVE"


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    finished: bool = False


@dataclass
class FakeApp:
    """An app's request URL: keeps each request and answers as a test says."""

    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, float]] = field(default_factory=list)
    """(status, seconds before answering) for each request in turn; then 200 at once."""
    reply: Callable[[dict[str, Any]], str] = lambda body: ""

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.text()
        verifier = SignatureVerifier(SECRET)
        assert verifier.is_valid_request(raw, dict(request.headers)), "unsigned request"
        if request.content_type == "application/json":
            body = json.loads(raw)
        else:
            form = dict(urllib.parse.parse_qsl(raw))
            body = json.loads(form["payload"]) if "payload" in form else form
        seen = Received(dict(request.headers), body)
        self.received.append(seen)
        status, delay = self.answers.pop(0) if self.answers else (200, 0.0)
        await asyncio.sleep(delay)
        seen.finished = True
        return web.Response(status=status, text=self.reply(body))

    def events(self) -> list[dict[str, Any]]:
        return [r.body["event"] for r in self.received]


@pytest.fixture
async def world() -> AsyncIterator[tuple[SlackEmulator, SlackDriver, FakeApp]]:
    fake = FakeApp()
    app = web.Application()
    app.router.add_post("/slack/events", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    slack = SlackEmulator()
    await slack.start()
    slack.add_member(ADA, "Ada Lovelace", "ada@school.org")
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with aiohttp.ClientSession() as session:
        yield slack, SlackDriver(slack, url, SECRET, session), fake
    await slack.stop()
    await runner.cleanup()


async def test_a_plain_direct_message_arrives_escaped_with_its_user_and_channel(world) -> None:
    slack, driver, fake = world
    sent = await driver.dm(ADA, "R&D <b> is ana@school.org")
    assert sent.status == 200
    envelope = fake.received[0].body
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == slack.bot_user_id
    event = envelope["event"]
    assert "subtype" not in event
    assert (event["type"], event["user"], event["channel"], event["channel_type"]) == (
        "message",
        ADA,
        slack.dm_id(ADA),
        "im",
    )
    assert event["text"] == "R&amp;D &lt;b&gt; is <mailto:ana@school.org|ana@school.org>"
    assert event["client_msg_id"] and event["ts"] == event["event_ts"]


async def test_edits_and_deletions_carry_the_message_not_a_user_of_their_own(world) -> None:
    slack, driver, fake = world
    message = (await driver.dm(ADA, "Sales Team")).extra["message"]
    await driver.edit_dm(ADA, message, "Sales & Support")
    await driver.delete_dm(ADA, message)
    _, edited, deleted = fake.events()
    assert edited["subtype"] == "message_changed" and "user" not in edited
    assert edited["message"]["user"] == ADA and edited["message"]["ts"] == message.ts
    assert edited["message"]["text"] == "Sales &amp; Support"
    assert edited["message"]["edited"]["user"] == ADA
    assert edited["previous_message"]["text"] == "Sales Team"
    assert deleted["subtype"] == "message_deleted" and "user" not in deleted
    assert deleted["deleted_ts"] == message.ts and deleted["previous_message"]["user"] == ADA
    assert message not in slack.messages


async def test_bot_messages_name_a_bot_and_the_apps_own_its_bot_user(world) -> None:
    slack, driver, fake = world
    await driver.integration_dm(ADA, "Reminder: fill in the sheet")
    posted = await AsyncWebClient(token=slack.bot_token, base_url=slack.api_url).chat_postMessage(
        channel=slack.dm_id(ADA), text="Checking your file"
    )
    own = next(m for m in slack.messages if m.ts == posted["ts"])
    await driver.echo(own)
    integration, echoed = fake.events()
    assert integration["subtype"] == "bot_message" and "user" not in integration
    assert integration["bot_id"] == "B0OTHERBOT"
    assert "subtype" not in echoed
    assert (echoed["user"], echoed["bot_id"]) == (slack.bot_user_id, "B0ROSTERBOT")


async def test_a_failed_delivery_is_retried_with_slacks_headers(world) -> None:
    _, driver, fake = world
    fake.answers = [(500, 0.0), (404, 0.0)]
    delivery = (await driver.open_home(ADA)).delivery
    assert [a.status for a in delivery.attempts] == [500, 404, 200]
    headers = [r.headers for r in fake.received]
    assert "X-Slack-Retry-Num" not in headers[0]
    assert [(h["X-Slack-Retry-Num"], h["X-Slack-Retry-Reason"]) for h in headers[1:]] == [
        ("1", "http_error"),
        ("2", "http_error"),
    ]
    assert len({r.body["event_id"] for r in fake.received}) == 1


async def test_slack_gives_up_after_three_retries(world) -> None:
    _, driver, fake = world
    fake.answers = [(500, 0.0)] * 5
    interaction = await driver.open_home(ADA)
    assert interaction.status == 500 and len(fake.received) == 4


async def test_a_slow_answer_is_retried_while_the_first_delivery_still_runs(world) -> None:
    _, driver, fake = world
    driver.http.ack_seconds = 0.3  # Slack's 3 s, shortened for this test only
    fake.answers = [(200, 0.6)]
    delivery = (await driver.open_home(ADA)).delivery
    assert [a.status for a in delivery.attempts] == [TIMED_OUT, 200]
    assert fake.received[1].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert not fake.received[0].finished
    await asyncio.sleep(0.5)
    assert fake.received[0].finished


async def test_a_command_answered_too_late_fails_for_the_person_and_is_not_retried(
    world,
) -> None:
    _, driver, fake = world
    driver.http.ack_seconds = 0.3
    fake.answers = [(200, 0.6)]
    interaction = await driver.command(ADA, "list")
    assert interaction.timed_out and len(fake.received) == 1


@pytest.mark.parametrize(
    ("reply", "verified"),
    [
        (lambda body: json.dumps({"challenge": body.get("challenge")}), True),
        (lambda body: str(body.get("challenge")), True),
        (lambda body: "ok", False),
    ],
)
async def test_url_verification_wants_the_challenge_back(world, reply, verified) -> None:
    _, driver, fake = world
    fake.reply = reply
    assert await driver.verify_url() is verified
    assert fake.received[0].body["type"] == "url_verification"


async def test_uninstalling_revokes_the_token_and_sends_both_events(world) -> None:
    slack, driver, fake = world
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    await driver.uninstall()
    revoked, uninstalled = fake.events()
    assert revoked["type"] == "tokens_revoked"
    assert revoked["tokens"] == {"oauth": [], "bot": [slack.bot_user_id]}
    assert uninstalled["type"] == "app_uninstalled"
    with pytest.raises(SlackApiError) as refused:
        await client.auth_test()
    assert refused.value.response["error"] == "token_revoked"
    slack.reinstall("xoxb-new-token")
    assert (await AsyncWebClient(token="xoxb-new-token", base_url=slack.api_url).auth_test())["ok"]


async def test_a_deactivated_account_arrives_as_user_change_with_deleted(world) -> None:
    _, driver, fake = world
    await driver.user_changed(ADA, deleted=True)
    await driver.user_changed(ADA, deleted=False)
    gone, back = fake.events()
    assert gone["type"] == "user_change" and gone["user"]["id"] == ADA
    assert gone["user"]["deleted"] is True and back["user"]["deleted"] is False
    assert gone["user"]["profile"]["email"] == "ada@school.org"


async def test_a_modal_updated_by_its_ack_has_a_new_hash(world) -> None:
    slack, driver, fake = world
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    form = {
        "type": "modal",
        "callback_id": "form",
        "title": {"type": "plain_text", "text": "Form"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"},
            }
        ],
    }
    saving = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Saving"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Saving"}}],
    }
    opened = await client.views_open(trigger_id=slack.issue_trigger(ADA), view=form)
    view = slack.views[opened["view"]["id"]]
    fake.reply = lambda body: json.dumps({"response_action": "update", "view": saving})
    await driver.submit(ADA, view, {"title": "Ops"})
    assert view.body == saving and view.hash != opened["view"]["hash"]
    with pytest.raises(SlackApiError) as stale:
        await client.views_update(view_id=view.id, hash=opened["view"]["hash"], view=saving)
    assert stale.value.response["error"] == "hash_conflict"
    assert (await client.views_update(view_id=view.id, view=saving))["ok"]
