"""Typed text reaches the app as Slack sends it: escaped, links and mentions in <…> forms.

docs.slack.dev/messaging/formatting-message-text ("Escaping text"): ``&``, ``<``
and ``>`` are sent as ``&amp;``, ``&lt;`` and ``&gt;``; api.slack.com/interactivity/
slash-commands ("Escape channels, users, and links sent to your app", which the
manifest's ``should_escape: true`` turns on): mentions, channels, emails and
links arrive in their ``<…>`` forms.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from slack_emulator import SlackDriver, SlackEmulator
from slack_emulator.escaping import as_slack_sends

MEMBERS = {"U0ADALOVE": "ada.lovelace"}
CHANNELS = {"general": "C0GENERAL"}


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("R&D Team", "R&amp;D Team"),
        ("a<b> & c", "a&lt;b&gt; &amp; c"),
        ("&amp;", "&amp;amp;"),
        ("managers Ops add @U0ADALOVE", "managers Ops add <@U0ADALOVE|ada.lovelace>"),
        ("@U0NOBODYAT", "@U0NOBODYAT"),
        ("post in #general", "post in <#C0GENERAL|general>"),
        ("#12", "#12"),
        ("add Ops ana@school.org", "add Ops <mailto:ana@school.org|ana@school.org>"),
        ("see https://acme.com/a?b=1&c=2", "see <https://acme.com/a?b=1&amp;c=2>"),
        ("acme.com people", "<http://acme.com|acme.com> people"),
        ("team.xlsx", "team.xlsx"),
        ('"@acme.com"', '"@acme.com"'),
        ("<!channel>@example.org", "&lt;!channel&gt;@example.org"),
    ],
)
def test_slack_escapes_what_a_person_types(typed: str, sent: str) -> None:
    assert as_slack_sends(typed, members=MEMBERS, channels=CHANNELS) == sent


@pytest.fixture
async def received() -> AsyncIterator[tuple[SlackDriver, list[dict[str, str]]]]:
    """The driver, aimed at an app that keeps each command's fields."""
    fields: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.Response:
        fields.append(dict(urllib.parse.parse_qsl(await request.text())))
        return web.Response()

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    slack = SlackEmulator()
    await slack.start()
    slack.add_member("U0ADALOVE", "Ada Lovelace", "ada@school.org")
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with aiohttp.ClientSession() as session:
        yield SlackDriver(slack, url, "secret", session), fields
    await slack.stop()
    await runner.cleanup()


async def test_the_driver_sends_command_text_escaped_unless_told_it_is_raw(
    received: tuple[SlackDriver, list[dict[str, str]]],
) -> None:
    driver, fields = received
    await driver.command("U0ADALOVE", "create R&D <Team> for @U0ADALOVE")
    await driver.command("U0ADALOVE", "create <@U0ADALOVE|ada>", raw=True)
    assert [f["text"] for f in fields] == [
        "create R&amp;D &lt;Team&gt; for <@U0ADALOVE|ada.lovelace>",
        "create <@U0ADALOVE|ada>",
    ]
