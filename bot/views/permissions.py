"""The permissions modal (a manager's set, or the school default) and whoami."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ids import Field, Modal
from bot.views.blocks import Block, context, escape, header, listing, plain, section, when
from bot.views.modals import View, input_block, modal
from domain.entities import Identity, PermissionChange, PermissionSet, User
from domain.permissions import (
    LABELS,
    PART_HINTS,
    SECTIONS,
    Capability,
    holds,
    parse_grants,
)

DEFAULT = "default"
"""private_metadata of the modal that edits the school default."""

_WHOLE_LABEL = "All of Manage users"


def _label(capability: Capability) -> str:
    if capability is Capability.MANAGE_USERS:
        return _WHOLE_LABEL
    return LABELS[capability].removeprefix("Manage users: ")


def _option(capability: Capability) -> dict[str, Any]:
    option: dict[str, Any] = {"text": plain(_label(capability)), "value": capability.value}
    if capability is Capability.MANAGE_USERS:
        option["description"] = plain("every part below, and parts added later")
    elif capability in PART_HINTS:
        option["description"] = plain(PART_HINTS[capability])
    return option


def _checkboxes(
    index: int, title: str, capabilities: Sequence[Capability], held: frozenset[str]
) -> Block:
    granted = parse_grants(held)
    element: dict[str, Any] = {
        "type": "checkboxes",
        "options": [_option(c) for c in capabilities],
    }
    ticked = [_option(c) for c in capabilities if holds(granted, c)]
    if ticked:
        element["initial_options"] = ticked
    return input_block(f"{Field.PERMISSIONS}.{index}", title, element, optional=True)


def _change_line(change: PermissionChange) -> str:
    who = f"<@{change.changed_by.slack_user_id}>" if change.changed_by else "Roster"
    parts = []
    if change.granted:
        parts.append("granted " + listing([_name(k) for k in change.granted], most=4))
    if change.revoked:
        parts.append("revoked " + listing([_name(k) for k in change.revoked], most=4))
    note = f" ({escape(change.note)})" if change.note else ""
    return f"{when(change.at)} by {who}{note}: {'; '.join(parts) or 'no change'}"


def _name(key: str) -> str:
    known = parse_grants([key])
    return LABELS[next(iter(known))] if known else key


def permissions_modal(permissions: PermissionSet) -> View:
    """A checkbox per capability, grouped as the seed groups them."""
    user = permissions.subject
    if user is None:
        intro = "The *school default*: what a newly assigned manager gets."
        scope = "Managers whose permissions were already set keep theirs."
    else:
        intro = f"Permissions of <@{user.slack_user_id}> ({escape(user.email)})."
        titles = [f"*{escape(t)}*" for t in permissions.group_titles]
        scope = (
            f"Manages {listing(titles, most=10)}; the permissions apply in these groups only."
            if titles
            else "Manages no group yet; these apply once an admin assigns them."
        )
    blocks: list[Block] = [section(intro), context(scope)]
    blocks += [
        _checkboxes(i, s.title, s.capabilities, permissions.capabilities)
        for i, s in enumerate(SECTIONS)
    ]
    if permissions.history:
        blocks.append(
            context("*Recent changes*\n" + "\n".join(map(_change_line, permissions.history)))
        )
    metadata = str(user.id) if user else DEFAULT
    title = "Default permissions" if user is None else "Manager permissions"
    return modal(Modal.PERMISSIONS, title, blocks, submit="Save", metadata=metadata)


def pick_manager_modal() -> View:
    blocks = [
        input_block(
            Field.MANAGER,
            "Whose permissions?",
            {"type": "users_select"},
            hint="A manager, or someone you are about to make a manager.",
        )
    ]
    return modal(Modal.PICK_MANAGER, "Manager permissions", blocks, submit="Next")


def saved(subject: User | None, change: PermissionChange | None) -> str:
    who = "the school default" if subject is None else f"<@{subject.slack_user_id}>"
    if change is None:
        return f":information_source: Nothing changed for {who}."
    lines = [
        f":white_check_mark: Saved {who}."
        if subject is None
        else f":white_check_mark: Saved the permissions of {who}."
    ]
    if change.granted:
        lines.append("• Granted " + listing([f"*{_name(k)}*" for k in change.granted], most=20))
    if change.revoked:
        lines.append("• Revoked " + listing([f"*{_name(k)}*" for k in change.revoked], most=20))
    lines.append(
        "It applies to new managers from now on."
        if subject is None
        else "It applies from their next request."
    )
    return "\n".join(lines)


def whoami_message(identity: Identity, admins: Sequence[str]) -> tuple[str, list[Block]]:
    actor, user = identity.actor, identity.user
    blocks: list[Block] = [header("Who you are in Roster")]
    account = (
        f"School user *{escape(user.username)}* ({escape(user.email)}), "
        f"linked to <@{actor.slack_user_id}>."
        if user
        else f"<@{actor.slack_user_id}>, not linked to a school user."
    )
    if actor.is_admin:
        source = " (named in ROSTER_ADMINS)" if identity.admin_from_settings else ""
        role = f":crown: *School admin*{source}: you may do everything."
    elif user is None:
        who = listing([f"<@{a}>" for a in admins], empty="a school admin")
        role = (
            "*Not linked*: no school user has the email of your Slack profile, so Roster "
            f"only answers `/group help` and `/group whoami`. Ask {who} to add you."
        )
    elif identity.group_titles:
        titles = listing([f"*{escape(t)}*" for t in identity.group_titles], most=20)
        role = f"*User Group Manager* of {titles}."
    else:
        role = "*Learner*: you manage no groups."
    blocks += [section(role), context(account)]
    if identity.group_titles and not actor.is_admin:
        blocks += _capability_sections(frozenset(actor.capabilities))
    return "Who you are in Roster", blocks


def _capability_sections(held: frozenset[str]) -> list[Block]:
    granted = parse_grants(held)
    blocks = []
    for part in SECTIONS:
        lines = [
            (":white_check_mark: " if holds(granted, c) else ":heavy_minus_sign: ") + LABELS[c]
            for c in part.capabilities
            if c is not Capability.MANAGE_USERS
        ]
        blocks.append(section(f"*{part.title}*\n" + "\n".join(lines)))
    blocks.append(context("Ask a school admin to change these: `/group permissions @you`."))
    return blocks
