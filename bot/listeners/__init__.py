"""Bolt listeners, one module per surface, each with ``register(app, services)``."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.listeners import errors, group_actions, group_command, home, modal_submissions
from bot.services import Services


def register_listeners(app: AsyncApp, services: Services) -> None:
    @app.middleware
    async def resolve_actor(context: dict[str, Any], next: Any) -> None:
        """Who is calling comes from the signed payload only, re-read every request."""
        if context.get("user_id"):
            context["actor"] = await services.users.actor(context["user_id"])
        await next()

    for module in (errors, group_command, group_actions, modal_submissions, home):
        module.register(app, services)
