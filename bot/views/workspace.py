"""What admins read in Slack about people's accounts there."""

from __future__ import annotations

from bot.views.blocks import escape, listing
from domain.workspace import AccountChange


def account_notice(change: AccountChange) -> str:
    """A manager's (or admin's) Slack account deactivated, or back."""
    who = f"<@{change.user.slack_user_id}> ({escape(change.user.email)})"
    groups = listing([f"*{escape(g)}*" for g in change.groups]) if change.groups else ""
    role = f"managers of {groups}" if groups else "an admin"
    if change.restored:
        return (
            f":arrow_forward: {who} is active in Slack again, so their roles in Roster "
            f"work again (they are {role})."
        )
    return (
        f":double_vertical_bar: {who} was deactivated in Slack, so their roles in Roster are "
        f"paused: they stay on record as {role}, but may do nothing until the account is "
        "reactivated. `/group managers <group> add @someone` hands a group to someone else."
    )
