"""Roster over Socket Mode: started with an app-level token, it opens a connection
with ``apps.connections.open`` and takes commands, interactions and events as
envelopes on the emulator's WebSocket, acknowledging each within 3 seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from local_smtp import MailServer
from storage.models import MembershipRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, Roster, furnish, start_roster


@pytest.fixture
async def over_socket(database_url: str, mail_server: MailServer) -> AsyncIterator[Roster]:
    async with start_roster(database_url, mail_server, socket_mode=True) as roster:
        yield roster


async def test_a_member_is_added_over_socket_mode_and_told_on_the_response_url(
    over_socket: Roster,
) -> None:
    roster = await furnish(over_socket)
    assert [c.ok for c in roster.slack.calls_to("apps.connections.open")] == [True]
    added = await roster.driver.command(ADMIN, 'add "Sales Team" neo@school.org Neo Anderson')
    assert added.status == 200 and not added.timed_out
    command = roster.slack.socket_mode.envelopes[-1]
    assert command.type == "slash_commands" and command.acked_after is not None
    reply = await added.reply()
    assert "Neo Anderson" in reply.text and "Sales Team" in reply.text
    user = await UserRow.get(email="neo@school.org")
    assert await MembershipRow.filter(user=user, group__title="Sales Team").exists()
    assert not roster.slack.socket_mode.unknown_acks


async def test_forms_and_events_work_over_socket_mode(over_socket: Roster) -> None:
    roster = await furnish(over_socket)
    modal = await (await roster.driver.command(ADMIN, "create")).modal()
    submitted = await roster.driver.submit(ADMIN, modal, {"title": "Night Owls"})
    assert submitted.ack["response_action"] == "update"
    assert "Created *Night Owls*" in modal.body["blocks"][0]["text"]["text"]

    home = await roster.driver.home(ADMIN)
    assert "Night Owls" in home.text
    said = await roster.driver.dm(MANAGER, "hi")
    assert "`/group help`" in (await said.call("chat.postMessage")).args["text"]
    assert [a.status for a in said.delivery.attempts] == [200]
