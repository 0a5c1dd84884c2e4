"""Bolt listeners, one module per surface, each with ``register(app, services)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.listeners import (
    errors,
    group_actions,
    group_command,
    home,
    imports,
    modal_submissions,
    rules,
)
from bot.services import Services
from bot.xlsx_reader import SpreadsheetChecker
from domain.entities import Actor
from domain.errors import NotLinkable


def register_listeners(
    app: AsyncApp, services: Services, checker: SpreadsheetChecker, wake: Callable[[], None]
) -> None:
    @app.middleware
    async def resolve_actor(context: dict[str, Any], client: AsyncWebClient, next: Any) -> None:
        """Who is calling comes from the signed payload only, re-read every request.

        A caller with no school user yet is looked up in Slack once per request
        and linked to the school user with their profile's email, if any.
        """
        user_id = context.get("user_id")
        if user_id:
            actor = await services.users.actor(user_id)
            if actor.user_id is None:
                actor = await _link(client, services, user_id, actor)
            context["actor"] = actor
        await next()

    for module in (errors, group_command, group_actions, modal_submissions, home, rules):
        module.register(app, services)
    imports.register(app, services, checker, wake)


async def _link(client: AsyncWebClient, services: Services, user_id: str, actor: Actor) -> Actor:
    try:
        profile = await slack_people.profile(client, user_id)
    except NotLinkable:
        return actor
    return await services.users.link_caller(profile)
