"""The one error handler: typed errors become short messages on the user's surface.

Listeners are wrapped with :func:`guard` rather than left to bolt's ``app.error``:
when a listener fails within milliseconds of its ``ack()``, bolt's runner can
discard the ack and answer Slack with a 404, so errors are caught next to the
listener and rendered by the same function bolt's hook uses.
"""

from __future__ import annotations

import inspect
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import UsageError
from bot.listeners.context import CALLER
from bot.services import Services
from bot.slack_presence import Departed
from bot.views.errors import describe, field_message, slack_dropped, unexpected
from bot.views.help import usage_message
from bot.views.modals import done_modal
from domain.errors import DomainError

log = logging.getLogger("roster.errors")

Listener = Callable[..., Awaitable[None]]


def guard(services: Services) -> Callable[[Listener], Listener]:
    """Wraps a listener so any error it raises is answered on the user's surface."""

    def decorate(func: Listener) -> Listener:
        names = inspect.getfullargspec(func).args

        async def listener(args: AsyncArgs) -> None:
            try:
                caller = args.context.get(CALLER)
                if caller is not None:
                    # Who is calling is still being read (a command), or Slack is
                    # slow to say who a new caller is: answer now, act once known.
                    await args.ack()
                    args.context["actor"] = await caller
                await func(**{name: getattr(args, name) for name in names})
            except Exception as error:
                if args.ack.response is None:
                    await args.ack()
                await report(error, args.body, args.respond, args.client, services)

        listener.__name__ = func.__name__
        return listener

    return decorate


async def report(
    error: Exception,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    services: Services,
) -> None:
    blocks = None
    if isinstance(error, Departed):
        log.warning("not done: %s", error)
        if body.get("response_url"):
            await respond(text=slack_dropped(), response_type="ephemeral", replace_original=False)
        return
    if isinstance(error, UsageError):
        text, blocks = usage_message(error)
    elif isinstance(error, DomainError):
        text = describe(error, admins=await services.users.admin_slack_ids())
    else:
        reference = secrets.token_hex(4)
        log.error("unexpected error, reference %s", reference, exc_info=error)
        text = unexpected(reference)
    await tell(body, client, text, blocks, respond)


async def tell(
    body: dict[str, Any],
    client: AsyncWebClient,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    respond: AsyncRespond | None = None,
) -> None:
    """Ephemeral where the user typed or clicked; a direct message from App Home
    and from events (a file dropped in the direct message)."""
    if body.get("response_url") and respond is not None:
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    event_user = body.get("event", {}).get("user")
    user_id = (
        body.get("user_id")
        or body.get("user", {}).get("id")
        or (event_user if isinstance(event_user, str) else None)
    )
    if user_id:
        await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


FieldOf = Callable[[DomainError], str | None]
"""The block of a form an error is about (its field), or None for the whole form."""


def guard_view(
    services: Services, *, title: str, field_of: FieldOf = lambda error: None
) -> Callable[[Listener], Listener]:
    """Wraps a modal's submission listener, which does its work before ``ack()`` so a
    mistake can be answered on the form: under the field it is about, when the form
    has that field, or by turning the modal into the sentence that names the fix."""

    def decorate(func: Listener) -> Listener:
        names = inspect.getfullargspec(func).args

        async def listener(args: AsyncArgs) -> None:
            try:
                caller = args.context.get(CALLER)
                if caller is not None:
                    args.context["actor"] = await caller
                await func(**{name: getattr(args, name) for name in names})
            except Exception as error:
                if args.ack.response is not None:
                    await report(error, args.body, args.respond, args.client, services)
                    return
                view = args.view or {}  # a view submission always has its view
                await args.ack(**await refusal(error, view, title, field_of, services))

        listener.__name__ = func.__name__
        return listener

    return decorate


async def refusal(
    error: Exception,
    view: dict[str, Any],
    title: str,
    field_of: FieldOf,
    services: Services,
) -> dict[str, Any]:
    """The ack a submission answers an error with; for the forms whose ack may come
    late (bot/listeners/modal_submissions.py) too, so every form words it alike."""
    if isinstance(error, DomainError):
        field = field_of(error)
        if field is not None and _has_block(view, field):
            return {"response_action": "errors", "errors": {field: field_message(error)}}
        text = describe(error, admins=await services.users.admin_slack_ids())
    else:
        reference = secrets.token_hex(4)
        log.error("unexpected error, reference %s", reference, exc_info=error)
        text = unexpected(reference)
    return {"response_action": "update", "view": done_modal(title, text)}


def _has_block(view: dict[str, Any], block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in view.get("blocks", []))


def register(app: AsyncApp, services: Services) -> None:
    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await report(error, body, respond, client, services)
