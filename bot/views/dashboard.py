"""The group dashboard: ``/group list`` and the App Home tab."""

from __future__ import annotations

from typing import Any

from bot.ids import Action, MenuChoice
from bot.views.action_log import recent_actions
from bot.views.blocks import (
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    listing,
    mrkdwn,
    option,
    section,
    when,
)
from bot.views.events import home_events
from bot.views.paging import pager
from bot.views.schedules import home_reports
from domain.bulk.model import BulkJob
from domain.entities import Actor, Group, Page, User
from domain.events.model import LoggedEvent
from domain.permissions import Capability, allows
from domain.schedules import ReportLog

GROUPS_PER_MESSAGE = 10
GROUPS_PER_HOME = 25

_MENU: tuple[tuple[MenuChoice, str, Capability], ...] = (
    (MenuChoice.COURSES, "Courses", Capability.EDIT_GROUP),
    (MenuChoice.MANAGERS, "Managers", Capability.ASSIGN_MANAGERS),
    (MenuChoice.RENAME, "Rename", Capability.EDIT_GROUP),
    (MenuChoice.DELETE, "Delete", Capability.DELETE_GROUP),
    (MenuChoice.RULE, "Membership rule", Capability.MANAGE_SEGMENTS),
)


def group_rows(actor: Actor, group: Group) -> list[Block]:
    """Three blocks per group: what it is, its facts, and what the caller may do with it."""
    seats = f"{group.member_count}" + (f" of {group.seat_limit}" if group.seat_limit else "")
    description = f"\n{escape(clip(group.description, 300))}" if group.description else ""
    summary: Block = {
        "type": "section",
        "text": mrkdwn(f"*{escape(group.title)}*  `#{group.id}`{description}"),
        "fields": [
            mrkdwn(f"*Members*\n{seats}"),
            mrkdwn(f"*Courses*\n{listing([escape(c.title) for c in group.courses])}"),
            mrkdwn(f"*Managers*\n{listing([_person(m) for m in group.managers])}"),
            mrkdwn(f"*Created*\n{when(group.created_at)}"),
            mrkdwn(f"*Updated*\n{when(group.updated_at)}"),
        ],
    }
    blocks = [summary]
    elements = _row_actions(actor, group)
    if elements:
        blocks.append(actions(*elements, block_id=f"group:{group.id}"))
    blocks.append(divider())
    return blocks


def _person(user: User) -> str:
    """A manager paused because their Slack account is deactivated says so."""
    who = f"<@{user.slack_user_id}>" if user.slack_user_id else escape(user.email)
    return f"{who} (paused: deactivated in Slack)" if user.slack_deactivated_at else who


def _row_actions(actor: Actor, group: Group) -> list[dict[str, Any]]:
    elements = []
    value = str(group.id)
    if allows(actor, Capability.VIEW_GROUPS, group):
        elements.append(button("Manage members", Action.GROUP_MEMBERS, f"{group.id}:0"))
    if allows(actor, Capability.BASIC_USER_ACTIONS, group):
        elements.append(button("Add member", Action.GROUP_ADD_MEMBER, value, style="primary"))
        elements.append(button("Resend invites", Action.RESEND_INVITES, value))
    if allows(actor, Capability.BULK_ACTIONS, group):
        elements.append(button("Bulk add members", Action.GROUP_BULK_ADD, value))
    menu = [
        option(label, f"{choice}:{group.id}")
        for choice, label, capability in _MENU
        if allows(actor, capability, group)
    ]
    if menu:
        elements.append({"type": "overflow", "action_id": Action.GROUP_MENU, "options": menu})
    return elements


def _empty(actor: Actor) -> str:
    if allows(actor, Capability.CREATE_GROUP):
        return "There are no groups yet. Create one with `/group create <title>`."
    return (
        "You don't manage any groups yet. A school admin can assign you with "
        "`/group managers <group> add @you`."
    )


def list_message(actor: Actor, page: Page[Group]) -> tuple[str, list[Block]]:
    blocks: list[Block] = [header(f"Your groups ({page.total})")]
    if not page.items:
        blocks.append(section(_empty(actor)))
    for group in page.items:
        blocks.extend(group_rows(actor, group))
    blocks.extend(pager(page, Action.DASHBOARD_PAGE, "list"))
    return f"Your groups ({page.total})", blocks


def home_view(
    actor: Actor,
    page: Page[Group],
    jobs: list[BulkJob],
    events: tuple[LoggedEvent, ...],
    reports: ReportLog | None,
) -> dict[str, Any]:
    blocks: list[Block] = [header("Roster — user groups")]
    buttons = []
    if allows(actor, Capability.CREATE_GROUP):
        buttons.append(button("Create group", Action.CREATE_GROUP, style="primary"))
    if allows(actor, Capability.MANAGE_PERMISSIONS):
        buttons.append(button("Manager permissions", Action.OPEN_PERMISSIONS))
        buttons.append(button("Default permissions", Action.OPEN_DEFAULT_PERMISSIONS))
    if allows(actor, Capability.BULK_ACTIONS):
        buttons.append(button("Bulk-add template", Action.SEND_TEMPLATE))
    if buttons:
        blocks.append(actions(*buttons))
    blocks.append(context(f"{page.total} group(s) · `/group help` lists every command"))
    blocks.append(divider())
    if not page.items:
        blocks.append(section(_empty(actor)))
    for group in page.items:
        blocks.extend(group_rows(actor, group))
    blocks.extend(pager(page, Action.DASHBOARD_PAGE, "home"))
    if allows(actor, Capability.BULK_ACTIONS):
        blocks.extend(recent_actions(jobs))
    blocks.extend(home_reports(reports))
    blocks.extend(home_events(events))
    return {"type": "home", "blocks": blocks}


def closed_home_view(reason: str) -> dict[str, Any]:
    """App Home for someone who may not see any group: the reason and the way on."""
    blocks = [
        header("Roster — user groups"),
        section(reason),
        context("`/group whoami` shows your role and permissions; `/group help` every command."),
    ]
    return {"type": "home", "blocks": blocks}
