"""Bulk add from a file: the upload modal's submission acks at once with a
"checking" view; the file is fetched and checked in the background, and the
preview arrives as a direct message."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Field, Modal
from bot.services import Services
from bot.slack_files import download
from bot.views.errors import describe
from bot.views.imports import checking_modal, preview_message, refused_message
from bot.views.modals import done_modal
from bot.xlsx_errors import FILENAME as ERRORS_FILENAME
from bot.xlsx_errors import build_error_file
from bot.xlsx_reader import MAX_BYTES, SpreadsheetChecker
from domain.entities import Actor, Group
from domain.errors import DomainError
from domain.imports import FileRefused, TemplateMismatch
from domain.permissions import Capability

log = logging.getLogger("roster.imports")


def register(app: AsyncApp, services: Services, checker: SpreadsheetChecker) -> None:
    running: set[asyncio.Task[None]] = set()

    @app.view(Modal.IMPORT)
    async def submitted(
        ack: AsyncAck,
        view: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        actor: Actor = context["actor"]
        try:
            group = await services.groups.resolve(
                actor, f"#{view.get('private_metadata', '')}", Capability.BULK_ACTIONS
            )
        except DomainError as error:
            text = describe(error, admins=await services.users.admin_slack_ids())
            await ack(response_action="update", view=done_modal("Not checked", text))
            return
        files = view["state"]["values"][Field.FILE][Field.FILE].get("files") or []
        upload = files[0]
        await ack(response_action="update", view=checking_modal(group, upload["name"]))
        task = asyncio.create_task(_check(services, checker, client, actor, group, upload))
        running.add(task)
        task.add_done_callback(running.discard)


async def _check(
    services: Services,
    checker: SpreadsheetChecker,
    client: AsyncWebClient,
    actor: Actor,
    group: Group,
    upload: dict[str, Any],
) -> None:
    name = upload.get("name", "the file")
    channel = (await client.conversations_open(users=actor.slack_user_id))["channel"]["id"]
    try:
        url = upload["url_private_download"]
        data = await download(url, str(client.token), MAX_BYTES, allowed=_slack_hosts(client))
        checked = await checker.check(data)
        preview = await services.previews.preview(actor, group, name, checked)
    except (FileRefused, TemplateMismatch) as refused:
        await client.chat_postMessage(channel=channel, text=refused_message(name, refused.problem))
        return
    except Exception:
        log.exception("checking %s failed", name)
        await client.chat_postMessage(
            channel=channel,
            text=f":warning: Checking *{name}* failed on our side; nothing was added. Try again.",
        )
        return
    text, blocks = preview_message(preview)
    posted = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    if checked.problems:
        await client.files_upload_v2(
            channel=channel,
            thread_ts=posted["ts"],
            content=build_error_file(checked),
            filename=ERRORS_FILENAME,
            title=f"Rows to fix in {name}",
            initial_comment=(
                "Every row with a problem, as uploaded, with an *error* column. Fix them "
                "there and upload this file again (the error column is ignored)."
            ),
        )


def _slack_hosts(client: AsyncWebClient) -> set[str]:
    """The bot token only ever goes to Slack's own file hosts."""
    return {"files.slack.com", urlsplit(client.base_url).hostname or ""}
