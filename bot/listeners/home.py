"""The App Home tab: the same dashboard as ``/group list``, with buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.errors import guard
from bot.services import Services
from bot.views.dashboard import GROUPS_PER_HOME, closed_home_view, home_view
from bot.views.errors import describe
from domain.clock import utc_now
from domain.entities import Actor
from domain.errors import PermissionDenied
from domain.log_filter import LogFilter
from domain.permissions import Capability, allows


async def publish_home(
    client: AsyncWebClient, services: Services, actor: Actor, *, offset: int = 0
) -> None:
    """The dashboard, or for someone who may not see groups, why and what to do."""
    try:
        page = await services.groups.dashboard(actor, offset=offset, limit=GROUPS_PER_HOME)
    except PermissionDenied as error:
        text = describe(error, admins=await services.users.admin_slack_ids())
        view = closed_home_view(text)
    else:
        jobs = (
            await services.bulk.log(actor, LogFilter())
            if allows(actor, Capability.BULK_ACTIONS)
            else []
        )
        reports = (
            await services.schedules.log(actor, [], now=utc_now())
            if allows(actor, Capability.MANAGE_REPORTS)
            else None
        )
        view = home_view(actor, page, jobs, await services.events.latest(actor), reports)
    await client.views_publish(user_id=actor.slack_user_id, view=view)


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
