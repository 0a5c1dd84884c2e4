"""/group template: the Excel template, uploaded with the v2 flow, checked as a workbook."""

from __future__ import annotations

import io

import aiohttp
from openpyxl import load_workbook
from slack_sdk.web.async_client import AsyncWebClient

from tests.bot.conftest import MANAGER, Roster


async def _download(roster: Roster, channel: str) -> bytes:
    message = await roster.slack.wait_for(
        lambda: [m for m in roster.slack.messages if m.channel == channel and m.files]
    )
    stored = roster.slack.files[message[-1].files[0]]
    client = AsyncWebClient(token=roster.slack.bot_token, base_url=roster.slack.api_url)
    info = await client.files_info(file=stored.id)
    url = info["file"]["url_private_download"]
    headers = {"Authorization": f"Bearer {roster.slack.bot_token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        assert answer.status == 200
        return await answer.read()


async def test_the_template_has_the_exact_columns_a_frozen_header_and_text_emails(
    bulk: Roster,
) -> None:
    school = bulk
    school.slack.join("C0GENERAL")
    reply = await (await school.driver.command(MANAGER, "template first name, tags")).reply()
    assert "The template is in this conversation" in reply.text
    workbook = load_workbook(io.BytesIO(await _download(school, "C0GENERAL")))
    users = workbook["Users"]
    assert [c.value for c in users[1]] == ["username", "email", "first name", "tags"]
    assert users.freeze_panes == "A2"
    assert users.column_dimensions["B"].number_format == "@"
    assert users.column_dimensions["B"].width >= 30
    tips = "\n".join(str(r[0].value) for r in workbook["Instructions"].iter_rows())
    assert "Paste Special > Values" in tips and "not as links" in tips


async def test_where_the_bot_is_not_a_member_the_template_comes_by_direct_message(
    bulk: Roster,
) -> None:
    school = bulk
    reply = await (await school.driver.command(MANAGER, "template")).reply()
    assert "the template is in our direct message" in reply.text
    workbook = load_workbook(io.BytesIO(await _download(school, "D0MANAGER")))
    assert [c.value for c in workbook["Users"][1]] == [
        "username",
        "email",
        "first name",
        "last name",
        "tags",
    ]


async def test_an_unknown_column_is_named(bulk: Roster) -> None:
    answer = await bulk.run(MANAGER, "template phone")
    assert "`phone` is not a template column; choose from first name, last name, tags" in answer
