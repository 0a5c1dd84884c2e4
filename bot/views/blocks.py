"""Small Block Kit constructors and text helpers shared by every view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.log_filter import LogFilter

Block = dict[str, Any]

SECTION_CHARS = 3000


def escape(text: str) -> str:
    """User text in mrkdwn: no accidental links, mentions or @channel pings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def filter_words(chosen: LogFilter[Any], *, kind: str = "") -> str:
    """A log's kind filter as its title says it: ``trigger invitation``."""
    return f"{kind}{chosen.kind.value}" if chosen.kind else ""


def span_context(since: datetime | None, until: datetime | None = None) -> list[Block]:
    """Under a log's title, the times it is filtered by, each in its reader's own zone
    (a header is plain text, where Slack's date formatting does not work)."""
    parts = [f"since {when(since)}"] if since is not None else []
    if until is not None:
        parts.append(f"until {when(until)}")
    return [context(", ".join(parts))] if parts else []


def fallback(text: str) -> str:
    """A message's ``text``, the words notifications and screen readers use: Slack
    reads it as mrkdwn, so titles and file names in it are escaped like any block."""
    return escape(text)


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str = "") -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str = "",
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: dict[str, Any], block_id: str = "") -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def when(moment: datetime | None) -> str:
    """A date every reader sees in their own time zone, with a UTC fallback."""
    if moment is None:
        return "never"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short}} {{time}}|{fallback}>"


def listing(names: list[str], *, empty: str = "none", most: int = 8) -> str:
    if not names:
        return empty
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def packed(lines: list[str], limit: int = SECTION_CHARS) -> list[str]:
    """Joins lines into texts of at most ``limit`` characters, never splitting a line."""
    texts: list[str] = []
    current = ""
    for line in (clip(line, limit) for line in lines):
        if current and len(current) + 1 + len(line) > limit:
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts
