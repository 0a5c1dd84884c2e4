"""A scheduled events digest: what happened in a group, and buttons to act on it."""

from __future__ import annotations

from bot.ids import Action
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    header,
    listing,
    section,
    when,
)
from bot.views.events import button_value
from domain.events.service import Digest


def digest_message(digest: Digest) -> tuple[str, list[Block]]:
    group = digest.group
    title = f"Events in {group.title}"
    span = f"{when(digest.since)} to {when(digest.until)}"
    blocks: list[Block] = [header(title), context(span)]
    if not digest.counts:
        blocks.append(section("Nothing happened."))
    else:
        counts = sorted(digest.counts.items(), key=lambda kv: (-kv[1], kv[0].value))
        blocks.append(section("\n".join(f"• `{k.value}`: *{n:,}*" for k, n in counts)))
    done = [escape(e.user) for e in digest.completed]
    if done:
        blocks.append(section(f"*Completed:* {listing(done, most=20)}"))
    never = [escape(u.email) for u in digest.never_signed_in]
    if never:
        blocks.append(
            section(f"*Invited, never signed in ({len(never):,}):* {listing(never, most=10)}")
        )
    buttons = []
    if never:
        buttons.append(button("Resend their invitations", Action.RESEND_INVITES, str(group.id)))
    buttons.append(button("Open the review queue", Action.DIGEST_REVIEW, str(group.id)))
    words = (f"#{group.id}", f"{digest.since:%Y-%m-%d}")
    buttons.append(button("Export the list", Action.EVENTS_EXPORT, button_value(words, None)))
    blocks.append(actions(*buttons))
    return f"{title}, {span}", blocks
