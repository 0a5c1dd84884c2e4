"""What the workspace tells Roster about itself: Roster removed, accounts deactivated.

``app_uninstalled`` and ``tokens_revoked`` (for the bot token; Roster holds no
user tokens) stop every call to Slack (see ``bot/slack_presence.py``); the
admins are emailed. A ``user_change`` whose account is now ``deleted``
(deactivated) pauses that person's roles, and one that is not restores them;
when they managed groups or were an admin, the other admins are emailed and
told in Slack. These events name nobody who is calling, so they carry no actor.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack_presence import SlackPresence
from bot.views.workspace import account_notice

log = logging.getLogger("roster.workspace")


def register(app: AsyncApp, services: Services, presence: SlackPresence) -> None:
    @app.event("app_uninstalled")
    async def uninstalled() -> None:
        await presence.depart("app_uninstalled")

    @app.event("tokens_revoked")
    async def revoked(event: dict[str, Any]) -> None:
        if (event.get("tokens") or {}).get("bot"):
            await presence.depart("tokens_revoked")

    @app.event("user_change")
    async def user_changed(event: dict[str, Any], client: AsyncWebClient) -> None:
        user = event.get("user") or {}
        account = services.workspace
        if user.get("deleted"):
            change = await account.account_deactivated(str(user.get("id")))
        else:
            change = await account.account_reactivated(str(user.get("id")))
        if change is None:
            return
        state = "reactivated" if change.restored else "deactivated; their roles are paused"
        log.warning("Slack account %s %s", change.user.slack_user_id, state)
        if not change.ran_something:
            return
        for admin in await services.users.admin_slack_ids():
            if admin != change.user.slack_user_id:
                await client.chat_postMessage(channel=admin, text=account_notice(change))
