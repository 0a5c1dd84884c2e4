"""Bolt listeners, one module per surface, each with ``register(app, services)``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.listeners import (
    bulk,
    certificates,
    errors,
    events,
    grading,
    group_actions,
    group_command,
    home,
    messages,
    modal_submissions,
    rules,
    user_card,
    workspace,
)
from bot.listeners.context import CALLER, RECEIVED
from bot.services import Services
from bot.slack_presence import SlackPresence
from bot.xlsx_reader import SpreadsheetChecker
from domain.entities import Actor
from domain.errors import NotLinkable

PERSON_EVENTS = {"app_home_opened", "message"}
"""Events where a person acts; the rest (``user_change``, ``tokens_revoked``,
``app_uninstalled``) are about the workspace, and name nobody who is calling."""

_resolving: set[asyncio.Task[Actor]] = set()


def register_listeners(
    app: AsyncApp,
    services: Services,
    checker: SpreadsheetChecker,
    wake: Callable[[], None],
    presence: SlackPresence,
) -> None:
    @app.middleware
    async def roster_client(context: dict[str, Any], next: Any) -> None:
        """Listeners call Slack through Roster's own client, which calls nothing once
        Slack has dropped Roster; and the request's arrival is noted, because what
        holds up an ack must fit in Slack's 3 seconds from then."""
        context["client"] = app.client
        context[RECEIVED] = time.monotonic()
        await next()

    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Slack delivers an event at least once: a retry (``X-Slack-Retry-Num``), a
        replay, or the same event reaching another Roster process is acknowledged and
        does nothing. The event id is claimed in the database before any work."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await services.workspace.first_delivery(str(event_id)):
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.middleware
    async def resolve_actor(
        body: dict[str, Any], context: dict[str, Any], client: AsyncWebClient, next: Any
    ) -> None:
        """Who is calling comes from the signed payload only, re-read every request.

        A command is acknowledged before anything is read, so Slack hears back
        at once however busy the database is: its caller is resolved in a task
        the listener waits for after its ack (``CALLER``). A caller with no
        school user yet is looked up in Slack once per request and linked to
        the school user with their profile's email, if any. For anything but a
        command the lookup may hold up the ack only so long (Slack may be slow
        or answer 429): after that the listener acknowledges first and waits
        for it.
        """
        user_id = context.get("user_id")
        if user_id and body.get("command"):
            context[CALLER] = _kept(_caller(client, services, user_id))
        elif user_id and _a_person_acts(body):
            actor = await services.users.actor(user_id)
            if actor.user_id is None:
                link = asyncio.create_task(_link(client, services, user_id, actor))
                if await slack_people.in_time(link, context[RECEIVED], slack_people.LINK_SECONDS):
                    actor = link.result()
                else:
                    context[CALLER] = _kept(link)
            context["actor"] = actor
        await next()

    for module in (
        errors,
        group_command,
        group_actions,
        modal_submissions,
        home,
        rules,
        grading,
        certificates,
        user_card,
        events,
    ):
        module.register(app, services)
    dropped = bulk.register(app, services, checker, wake)
    messages.register(app, services, dropped)
    workspace.register(app, services, presence)


def _a_person_acts(body: dict[str, Any]) -> bool:
    """Commands and interactions always; events only when a person sent them (not an
    edit, a deletion or a bot's message)."""
    if body.get("type") != "event_callback":
        return True
    event = body.get("event") or {}
    return event.get("type") in PERSON_EVENTS and event.get("subtype") in (None, "file_share")


def _kept(work: Coroutine[Any, Any, Actor] | asyncio.Task[Actor]) -> asyncio.Task[Actor]:
    """A task held until it ends, so it is not collected while the listener waits."""
    task = asyncio.ensure_future(work)
    _resolving.add(task)
    task.add_done_callback(_resolving.discard)
    return task


async def _caller(client: AsyncWebClient, services: Services, user_id: str) -> Actor:
    actor = await services.users.actor(user_id)
    if actor.user_id is None:
        return await _link(client, services, user_id, actor)
    return actor


async def _link(client: AsyncWebClient, services: Services, user_id: str, actor: Actor) -> Actor:
    try:
        profile = await slack_people.profile(client, user_id)
    except NotLinkable:
        return actor
    return await services.users.link_caller(profile)
