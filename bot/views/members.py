"""One page of a group's members: who, last login, current courses."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from bot.views.blocks import (
    Block,
    button,
    context,
    escape,
    fallback,
    header,
    listing,
    plain,
    section,
    when,
)
from bot.views.paging import pager
from domain.entities import Group, MemberRow, Page


def member_line(row: MemberRow) -> str:
    user = row.user
    courses = listing([escape(c.title) for c in row.courses], empty="no current courses", most=5)
    how = " · :gear: by rule" if row.by_rule else ""
    return (
        f"*{escape(user.username)}* · {escape(user.email)} · _{user.status}_{how}\n"
        f"      last login: {when(user.last_login_at)} · courses: {courses}"
    )


def members_message(
    group: Group, page: Page[MemberRow], *, segment: str = ""
) -> tuple[str, list[Block]]:
    """A section per member, with the button that opens their card (20 a page keep
    well inside Slack's 50 blocks); with a segment's name, the page holds only
    members in that segment."""
    within = f" in segment {segment}" if segment else ""
    title = f"Members of {group.title}{within} ({page.total})"
    blocks: list[Block] = [header(title)]
    if not page.items and segment:
        blocks.append(section(f"No member of {escape(group.title)} is in this segment."))
    elif not page.items:
        blocks.append(
            section(f"No members yet. Add one with `/group add #{group.id} ada@school.org`.")
        )
    blocks.extend(
        section(member_line(row), accessory=button("Card", Action.OPEN_CARD, str(row.user.id)))
        for row in page.items
    )
    if group.seat_limit:
        blocks.append(context(f"{page.total} of {group.seat_limit} seats taken"))
    blocks.extend(
        pager(page, Action.MEMBERS_PAGE, f"{group.id}/{segment}" if segment else str(group.id))
    )
    return fallback(title), blocks


def members_modal(group: Group, page: Page[MemberRow]) -> dict[str, Any]:
    """The same page inside a modal, for App Home where there is no conversation."""
    _, blocks = members_message(group, page)
    return {
        "type": "modal",
        "title": plain("Members", 24),
        "close": plain("Close", 24),
        "private_metadata": str(group.id),
        "blocks": blocks,
    }
