"""A post to a response_url: ephemeral unless ``in_channel``; ``replace_original``
and ``delete_original`` act on the message the interaction came from."""

from __future__ import annotations

from typing import Any

import aiohttp

from slack_emulator import SlackEmulator
from slack_emulator.state import Message
from tests.emulator.conftest import ADA, BEN


async def _post(url: str, body: dict[str, Any]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as answer:
        return answer.status


async def test_a_reply_is_seen_by_the_person_alone_unless_in_channel(slack: SlackEmulator) -> None:
    url = slack.issue_response_url(ADA, "C0GENERAL")
    assert await _post(url, {"text": "just you"}) == 200
    assert await _post(url, {"text": "everyone", "response_type": "in_channel"}) == 200
    assert [(m.text, m.ephemeral_to) for m in slack.messages] == [
        ("just you", ADA),
        ("everyone", None),
    ]
    assert [m.text for m in slack.visible_in("C0GENERAL")] == ["everyone"]


async def test_replace_original_replaces_the_message_clicked_and_keeps_who_sees_it(
    slack: SlackEmulator,
) -> None:
    clicked = slack.store_message(
        Message("C0GENERAL", "1.000001", "page 1", [], slack.bot_user_id, ephemeral_to=ADA)
    )
    url = slack.issue_response_url(ADA, "C0GENERAL", original=clicked)
    await _post(url, {"text": "page 2", "replace_original": True, "response_type": "in_channel"})
    assert slack.messages == [clicked]
    assert (clicked.text, clicked.ephemeral_to) == ("page 2", ADA)
    await _post(url, {"text": "a note", "replace_original": False})
    assert [m.text for m in slack.messages] == ["page 2", "a note"]


async def test_a_commands_later_reply_can_replace_its_first(slack: SlackEmulator) -> None:
    url = slack.issue_response_url(ADA, "C0GENERAL")
    await _post(url, {"text": "working on it"})
    await _post(url, {"text": "done", "replace_original": "true"})
    assert [m.text for m in slack.messages] == ["done"]


async def test_delete_original_removes_the_message_clicked(slack: SlackEmulator) -> None:
    clicked = slack.store_message(Message("C0GENERAL", "1.000001", "Delete?", [], BEN))
    url = slack.issue_response_url(ADA, "C0GENERAL", original=clicked)
    assert await _post(url, {"delete_original": True}) == 200
    assert slack.messages == []
