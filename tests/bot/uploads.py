"""Driving a bulk import as people do: upload in the modal, click, review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_emulator.state import Message
from tests.bot.conftest import ADMIN, MANAGER, Roster


def direct_channel(user: str) -> str:
    return "D" + user.removeprefix("U")


def text_of(message: Message) -> str:
    return "\n".join([message.text, *(str(b) for b in message.blocks)])


def direct_messages(roster: Roster, user: str) -> list[Message]:
    """What Roster posted in its direct message with ``user``, threads aside."""
    return [
        m
        for m in roster.slack.messages
        if m.channel == direct_channel(user) and m.thread_ts is None
    ]


async def upload(
    roster: Roster,
    name: str,
    content: bytes,
    *,
    user: str = MANAGER,
    group: str = "Sales Team",
    kind: str = "add members",
    connect: bool = False,
) -> Message:
    """Opens the modal, submits the file, and returns the direct message that follows.
    ``connect``: the file comes from a Slack Connect workspace (a stub in the payload)."""
    before = len(direct_messages(roster, user))
    modal = await (await roster.driver.command(user, f'import "{group}"')).modal()
    stored = roster.slack.user_upload(user, name, content, connect=connect)
    values: dict[str, Any] = {"file": [roster.slack.file_payload(stored)], "import_kind": kind}
    submitted = await roster.driver.submit(user, modal, values)
    assert submitted.status == 200
    assert "Checking *" in "\n".join(b["text"]["text"] for b in modal.body["blocks"])
    await roster.slack.wait_for(lambda: len(direct_messages(roster, user)) > before, timeout=30)
    return direct_messages(roster, user)[before]


async def told(roster: Roster, user: str, words: str, *, timeout: float = 30) -> Message:
    """The first message in ``user``'s direct message with Roster that says ``words``."""

    def found() -> Message | None:
        return next((m for m in direct_messages(roster, user) if words in text_of(m)), None)

    return await roster.slack.wait_for(found, timeout=timeout)


def thread(roster: Roster, parent: Message) -> list[Message]:
    return [
        m for m in roster.slack.messages if m.channel == parent.channel and m.thread_ts == parent.ts
    ]


async def in_thread(roster: Roster, parent: Message, words: str, *, timeout: float = 30) -> Message:
    """The first reply under ``parent`` whose text holds ``words``, once it exists."""

    def found() -> Message | None:
        return next((m for m in thread(roster, parent) if words in text_of(m)), None)

    return await roster.slack.wait_for(found, timeout=timeout)


async def send_for_approval(roster: Roster, preview: Message, *, user: str = MANAGER) -> Message:
    """Clicks "Send for approval" and returns the admin's request to review."""
    requests = len(_requests(roster))
    clicked = await roster.driver.click(user, preview, "imports.send_for_approval")
    assert clicked.status == 200
    await roster.slack.wait_for(lambda: len(_requests(roster)) > requests)
    return _requests(roster)[-1]


def _requests(roster: Roster) -> list[Message]:
    return [
        m
        for m in roster.slack.messages
        if m.channel == direct_channel(ADMIN) and "imports.review.open" in str(m.blocks)
    ]


async def review(
    roster: Roster,
    request: Message,
    *,
    decision: str = "approve",
    options: Sequence[str] = ("invite", "skip_bad"),
    reason: str | None = None,
    admin: str = ADMIN,
) -> str:
    """Opens the review modal from the admin's request, decides, and returns what
    the modal says afterwards (its error, or its closing text)."""
    modal = await (await roster.driver.click(admin, request, "imports.review.open")).modal()
    shown = "\n".join(str(b) for b in modal.body["blocks"])
    if "'block_id': 'decision'" not in shown:
        return shown
    offered = {
        o["value"]
        for b in modal.body["blocks"]
        if b.get("block_id") == "import_options"
        for o in b["element"]["options"]
    }
    values: dict[str, Any] = {"decision": decision, "reason": reason}
    if offered:
        values["import_options"] = [o for o in options if o in offered]
    submitted = await roster.driver.submit(admin, modal, values)
    assert submitted.status == 200
    if submitted.ack.get("response_action") == "errors":
        return str(submitted.ack["errors"])
    return "\n".join(str(b) for b in modal.body["blocks"])
