"""Buttons and menus on the dashboard, member pages and delete confirmations.

Every click re-checks the caller's rights in the domain: anyone who can see a
message can click its buttons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Action, MenuChoice
from bot.listeners.errors import guard, tell
from bot.listeners.home import publish_home
from bot.services import Services
from bot.views import modals, replies
from bot.views.bulk import import_modal
from bot.views.dashboard import GROUPS_PER_MESSAGE, list_message
from bot.views.emails import resent
from bot.views.members import members_message, members_modal
from bot.views.paging import page_value
from bot.views.permissions import permissions_modal, pick_manager_modal
from bot.views.rules import rule_modal
from domain.entities import Actor, Group
from domain.permissions import Capability

_MENU_NEEDS = {
    MenuChoice.COURSES: Capability.EDIT_GROUP,
    MenuChoice.MANAGERS: Capability.ASSIGN_MANAGERS,
    MenuChoice.RENAME: Capability.EDIT_GROUP,
    MenuChoice.DELETE: Capability.DELETE_GROUP,
    MenuChoice.RULE: Capability.MANAGE_SEGMENTS,
}


_ADDING: dict[str, tuple[Capability, Callable[[Group], dict[str, Any]]]] = {
    Action.GROUP_ADD_MEMBER: (Capability.BASIC_USER_ACTIONS, modals.add_member_modal),
    Action.GROUP_BULK_ADD: (Capability.BULK_ACTIONS, import_modal),
}


def _from_view(body: dict[str, Any]) -> bool:
    kind: str | None = body.get("container", {}).get("type")
    return kind == "view"


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    async def group_of(actor: Actor, value: str, capability: Capability) -> Group:
        return await services.groups.resolve(actor, f"#{value}", capability)

    @app.action(Action.GROUP_MEMBERS)
    @app.action(re.compile(rf"^{re.escape(Action.MEMBERS_PAGE)}\."))
    @guarded
    async def show_members(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """The first click opens the page; a pager click replaces it where it stands."""
        await ack()
        key, offset = page_value(action["value"])
        group_key, _, segment_name = key.partition("/")
        actor = context["actor"]
        group = await group_of(actor, group_key, Capability.VIEW_GROUPS)
        segment, only = (
            await services.rules.segment(actor, segment_name) if segment_name else (None, None)
        )
        page = await services.members.page(actor, group, offset=offset, only=only)
        paging = action["action_id"] != Action.GROUP_MEMBERS
        if _from_view(body) and paging:
            await client.views_update(view_id=body["view"]["id"], view=members_modal(group, page))
        elif _from_view(body):
            await client.views_open(trigger_id=body["trigger_id"], view=members_modal(group, page))
        else:
            name = segment.name if segment else ""
            text, blocks = members_message(group, page, segment=name)
            await respond(text=text, blocks=blocks, replace_original=paging)

    @app.action(re.compile(rf"^{re.escape(Action.DASHBOARD_PAGE)}\."))
    @guarded
    async def dashboard_page(
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        where, offset = page_value(action["value"])
        actor = context["actor"]
        if where == "home":
            await publish_home(client, services, actor, offset=offset)
            return
        page = await services.groups.dashboard(actor, offset=offset, limit=GROUPS_PER_MESSAGE)
        text, blocks = list_message(actor, page)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(Action.GROUP_ADD_MEMBER)
    @app.action(Action.GROUP_BULK_ADD)
    @guarded
    async def open_adding(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """A group's "Add member" or "Bulk add members": the modal that does it."""
        await ack()
        needs, modal = _ADDING[action["action_id"]]
        group = await group_of(context["actor"], action["value"], needs)
        await client.views_open(trigger_id=body["trigger_id"], view=modal(group))

    @app.action(Action.CREATE_GROUP)
    @guarded
    async def open_create(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        services.groups.require_can_create(context["actor"])
        view = modals.create_group_modal(await services.courses.catalogue(context["actor"]))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.OPEN_PERMISSIONS)
    @guarded
    async def open_permissions(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        services.permissions.require_can_manage(context["actor"])
        await client.views_open(trigger_id=body["trigger_id"], view=pick_manager_modal())

    @app.action(Action.OPEN_DEFAULT_PERMISSIONS)
    @guarded
    async def open_default_permissions(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        view = permissions_modal(await services.permissions.defaults(context["actor"]))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.RESEND_INVITES)
    @app.action(Action.RESEND_INVITE)
    @guarded
    async def resend_invites(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """From a group's row (everyone who never signed in) or an add reply (one person)."""
        await ack()
        group_id, _, user_id = action["value"].partition(":")
        group = await group_of(context["actor"], group_id, Capability.BASIC_USER_ACTIONS)
        only = int(user_id) if user_id else None
        users = await services.emails.resend_invitations(context["actor"], group, only=only)
        await tell(body, client, resent(group, users), respond=respond)

    @app.action(Action.GROUP_MENU)
    @guarded
    async def group_menu(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        choice, _, group_id = action["selected_option"]["value"].partition(":")
        menu = MenuChoice(choice)
        group = await group_of(context["actor"], group_id, _MENU_NEEDS[menu])
        if menu is MenuChoice.COURSES:
            view = modals.courses_modal(group, await services.courses.catalogue(context["actor"]))
        elif menu is MenuChoice.MANAGERS:
            view = modals.managers_modal(group)
        elif menu is MenuChoice.RENAME:
            view = modals.rename_modal(group)
        elif menu is MenuChoice.RULE:
            saved = await services.rules.current(context["actor"], group)
            view = rule_modal(group, text=saved.text if saved else "")
        else:
            view = modals.delete_modal(group)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.DELETE_CONFIRMED)
    @guarded
    async def delete_confirmed(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        group = await group_of(context["actor"], action["value"], Capability.DELETE_GROUP)
        await services.groups.delete(context["actor"], group)
        await respond(text=replies.deleted(group.title, group.member_count), replace_original=True)

    @app.action(Action.DELETE_CANCELLED)
    @guarded
    async def delete_cancelled(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="Kept the group; nothing was deleted.", replace_original=True)
