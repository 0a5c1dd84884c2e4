"""What Slack would parse in what Roster sent: every mrkdwn text, nothing else.

Slack turns ``<!channel>``, ``<https://…|label>`` and ``<@U…>`` in mrkdwn (a
message's ``text``, mrkdwn blocks, a file's comment) into pings and links;
``plain_text`` it shows as typed. So a person's words may appear raw only in
plain text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_emulator import SlackEmulator

SENT = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.open",
    "views.update",
    "views.push",
    "views.publish",
    "files.completeUploadExternal",
)


def parsed_texts(slack: SlackEmulator) -> Iterator[str]:
    """Every text Slack reads as mrkdwn, from every call and response_url post."""
    for call in slack.calls:
        if call.method in SENT:
            yield from _mrkdwn(call.args, top=True)
    for url in slack.response_urls.values():
        for post in url.posts:
            yield from _mrkdwn(post, top=True)


def _mrkdwn(value: Any, *, top: bool = False) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for key, inner in value.items():
            if top and key in {"text", "initial_comment"} and isinstance(inner, str):
                yield inner
            elif key != "text" or not isinstance(inner, str):
                yield from _mrkdwn(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _mrkdwn(inner)
