"""views.update changes only an open view this app opened, and only at its hash."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from tests.emulator.conftest import ADA, refusal


def modal(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Test"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


async def test_an_update_changes_the_hash_and_a_stale_hash_is_a_conflict(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    opened = (await client.views_open(trigger_id=slack.issue_trigger(ADA), view=modal("a")))["view"]
    updated = await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("b"))
    assert updated["view"]["hash"] != opened["hash"]
    stale = await refusal(
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("c"))
    )
    assert stale["error"] == "hash_conflict"
    assert "b" in str(slack.views[opened["id"]].body)


async def test_a_closed_view_or_another_apps_is_not_found(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    opened = (await client.views_open(trigger_id=slack.issue_trigger(ADA), view=modal("a")))["view"]
    slack.views[opened["id"]].open = False
    closed = await refusal(client.views_update(view_id=opened["id"], view=modal("b")))
    assert closed["error"] == "not_found"
    foreign = slack.foreign_view(ADA, modal("theirs"))
    theirs = await refusal(client.views_update(view_id=foreign.id, view=modal("b")))
    assert theirs["error"] == "not_found" and "theirs" in str(foreign.body)
    unknown = await refusal(client.views_update(view_id="V0NOSUCH01", view=modal("b")))
    assert unknown["error"] == "not_found"
