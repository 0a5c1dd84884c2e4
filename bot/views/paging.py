"""Previous/next buttons for anything shown a page at a time."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import Block, actions, button, context
from domain.entities import Page


def pager(page: Page[Any], action_prefix: str, key: str = "") -> list[Block]:
    """A context line 'x-y of n' and, when there is more, the buttons to move.

    Button values carry ``<key>:<offset>`` so the click needs nothing but itself.
    """
    if page.total == 0:
        return []
    first, last = page.offset + 1, page.offset + len(page.items)
    blocks: list[Block] = [context(f"Showing {first}-{last} of {page.total}")]
    buttons = []
    if page.has_previous:
        back = max(page.offset - page.limit, 0)
        buttons.append(button("◀ Previous", f"{action_prefix}.prev", f"{key}:{back}"))
    if page.has_next:
        buttons.append(button("Next ▶", f"{action_prefix}.next", f"{key}:{last}"))
    if buttons:
        blocks.append(actions(*buttons))
    return blocks


def page_value(value: str) -> tuple[str, int]:
    key, _, offset = value.rpartition(":")
    return key, int(offset) if offset.isdigit() else 0
