"""The App Home tab: the same dashboard as ``/group list``, with buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.errors import guard
from bot.services import Services
from bot.views.dashboard import GROUPS_PER_HOME, home_view
from domain.entities import Actor


async def publish_home(
    client: AsyncWebClient, services: Services, actor: Actor, *, offset: int = 0
) -> None:
    page = await services.groups.dashboard(actor, offset=offset, limit=GROUPS_PER_HOME)
    await client.views_publish(user_id=actor.slack_user_id, view=home_view(actor, page))


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    @app.event("app_home_opened")
    @guarded
    async def home_opened(
        event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        """Republishing is idempotent, so a retried delivery does no harm."""
        if event.get("tab", "home") == "home":
            await publish_home(client, services, context["actor"])
