"""Bulk add from a file, from the upload to the admin's decision.

The upload modal's submission acks at once with a "checking" view; the file is
fetched, checked and staged in the background, and the preview arrives as a
direct message whose thread carries everything after: the request for
approval, the decision, the progress and the summary (see ``bot/bulk_runner.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Action, Field, Modal
from bot.listeners.errors import guard, guard_view
from bot.services import Services
from bot.slack_files import FileHosts, download, share_file, shared_file
from bot.slack_people import direct_message
from bot.slack_text import plain
from bot.views import replies
from bot.views.bulk import (
    approval_request,
    cancelled,
    checking_modal,
    checking_text,
    chosen_options,
    decided,
    decision_recorded,
    drop_usage,
    not_theirs_message,
    preview_message,
    queued_text,
    refused_message,
    review_modal,
    sent_for_approval,
)
from bot.views.errors import describe
from bot.views.modals import done_modal
from bot.views.review import chosen_decision
from bot.xlsx_reader import MAX_BYTES, SpreadsheetChecker
from bot.xlsx_results import ROWS_TO_FIX, rows_to_fix
from bot.xlsx_template import FILENAME, build_template
from domain.bulk.model import BulkJob, JobKind, JobMoved, JobState
from domain.bulk.sheet import FileRefused, NotTheirFile, TemplateMismatch
from domain.entities import Actor, Group
from domain.errors import DomainError, InvalidInput
from domain.permissions import Capability

log = logging.getLogger("roster.bulk")

_REVIEW_FIELDS = {"reason": Field.REASON, "options": Field.IMPORT_OPTIONS}


Dropped = Callable[[dict[str, Any], AsyncWebClient, dict[str, Any]], Awaitable[None]]
"""Handles a file dropped in the direct message: (event, client, context)."""


def register(
    app: AsyncApp, services: Services, checker: SpreadsheetChecker, wake: Callable[[], None]
) -> Dropped:
    """``wake`` tells this process's job runner an import was approved. Returns the
    handler of files dropped in the direct message, for the message listener."""
    guarded = guard(services)
    running: set[asyncio.Task[None]] = set()

    @app.view(Modal.IMPORT)
    @guard_view(services, title="Not checked")
    async def submitted(
        ack: AsyncAck,
        view: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        actor: Actor = context["actor"]
        values = view["state"]["values"]
        upload = (values[Field.FILE][Field.FILE].get("files") or [])[0]
        chosen = values.get(Field.IMPORT_KIND, {}).get(Field.IMPORT_KIND, {})
        kind = JobKind((chosen.get("selected_option") or {}).get("value", JobKind.ADD_MEMBERS))
        group = await services.groups.resolve(
            actor, f"#{view.get('private_metadata', '')}", Capability.BULK_ACTIONS
        )
        services.bulk.may_stage(actor, group, kind)
        await ack(response_action="update", view=checking_modal(group, _name(upload)))
        task = asyncio.create_task(_check(services, checker, client, actor, group, upload, kind))
        running.add(task)
        task.add_done_callback(running.discard)

    async def dropped(
        event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        """A file dropped into the direct message with Roster, naming the group.
        (A repeat of the same event never gets here: see ``once_per_event``.)"""
        if event.get("channel_type") != "im":
            return
        name = _group_named(plain(event.get("text") or ""))
        files = event.get("files") or []
        if not name or len(files) != 1:
            await client.chat_postMessage(channel=event["channel"], text=drop_usage())
            return
        actor: Actor = context["actor"]
        group = await services.groups.resolve(actor, name, Capability.BULK_ACTIONS)
        await client.chat_postMessage(
            channel=event["channel"], text=checking_text(group, _name(files[0]))
        )
        task = asyncio.create_task(_check(services, checker, client, actor, group, files[0]))
        running.add(task)
        task.add_done_callback(running.discard)

    @app.action(Action.SEND_TEMPLATE)
    @guarded
    async def send_template(ack: AsyncAck, client: AsyncWebClient, context: dict[str, Any]) -> None:
        await ack()
        actor: Actor = context["actor"]
        columns = services.sheets.template(actor)
        direct = await direct_message(client, actor.slack_user_id)
        await share_template(client, actor, direct, columns)

    @app.action(Action.SEND_FOR_APPROVAL)
    @guarded
    async def send(
        ack: AsyncAck, action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        job, sent = await services.bulk.send_for_approval(context["actor"], int(action["value"]))
        if not sent:
            return
        await _refresh_preview(client, job)
        admins = await services.users.admin_slack_ids()
        await _in_thread(client, job, sent_for_approval(job, admins))
        text, blocks = approval_request(job)
        for admin in admins:
            direct = await direct_message(client, admin)
            await client.chat_postMessage(channel=direct, text=text, blocks=blocks)

    @app.action(Action.CANCEL_IMPORT)
    @guarded
    async def cancel(
        ack: AsyncAck, action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        job, now = await services.bulk.cancel(context["actor"], int(action["value"]))
        if now:
            await _refresh_preview(client, job)
            await _in_thread(client, job, cancelled(job))

    @app.action(Action.REVIEW_IMPORT)
    @guarded
    async def review(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        try:
            job, enrol_allowed = await services.bulk.for_review(
                context["actor"], int(action["value"])
            )
        except JobMoved as moved:
            text = decision_recorded(moved.job, now_decided=False)
            view = done_modal("Bulk add", text)
        else:
            view = review_modal(job, enrol_allowed)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    def review_field(error: DomainError) -> str | None:
        if isinstance(error, InvalidInput):
            return _REVIEW_FIELDS.get(error.field)
        return None

    @app.view(Modal.REVIEW_IMPORT)
    @guard_view(services, title="Not decided", field_of=review_field)
    async def reviewed(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        values = view["state"]["values"]
        options = values.get(Field.IMPORT_OPTIONS, {}).get(Field.IMPORT_OPTIONS, {})
        ticked = options.get("selected_options") or []
        approve, reason = chosen_decision(values)
        job, now = await services.bulk.decide(
            context["actor"],
            int(view.get("private_metadata") or 0),
            approve=approve,
            options=chosen_options([o["value"] for o in ticked]),
            reason=reason,
        )
        text = decision_recorded(job, now_decided=now)
        await ack(response_action="update", view=done_modal("Bulk add", text))
        if now:
            await _refresh_preview(client, job)
            await _in_thread(client, job, decided(job))
            if job.state is JobState.APPROVED:
                wake()

    return dropped


async def share_template(
    client: AsyncWebClient, actor: Actor, channel: str, columns: tuple[str, ...]
) -> str:
    """The template in ``channel``, or in a direct message when Roster isn't there."""
    return await share_file(
        client,
        channel=channel,
        user=actor.slack_user_id,
        content=build_template(columns),
        filename=FILENAME,
        title="Roster bulk-add template",
        comment=replies.template_comment(columns),
    )


async def _refresh_preview(client: AsyncWebClient, job: BulkJob) -> None:
    """The preview's buttons go once the uploader has chosen; its footer says what's next."""
    text, blocks = preview_message(job)
    await client.chat_update(channel=job.channel, ts=job.thread_ts, text=text, blocks=blocks)


async def _in_thread(client: AsyncWebClient, job: BulkJob, text: str) -> None:
    await client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts, text=text)


async def _check(
    services: Services,
    checker: SpreadsheetChecker,
    client: AsyncWebClient,
    actor: Actor,
    group: Group,
    upload: dict[str, Any],
    kind: JobKind = JobKind.ADD_MEMBERS,
) -> None:
    name = _name(upload)
    channel = await direct_message(client, actor.slack_user_id)

    async def waiting(running: int, ahead: int) -> None:
        await client.chat_postMessage(channel=channel, text=queued_text(name, running, ahead))

    try:
        shared = await shared_file(client, upload, uploader=actor.slack_user_id)
        name = shared.name
        hosts = _slack_hosts(client)
        data = await download(shared.url, str(client.token), MAX_BYTES, hosts=hosts)
        progress = kind is JobKind.UPDATE_PROGRESS
        checked = await checker.check(data, progress=progress, waiting=waiting)
        try:
            job = await services.bulk.stage(
                actor, group, name, checked.tally, checked.chunks(), kind
            )
        finally:
            checked.discard()
    except NotTheirFile as theirs:
        await client.chat_postMessage(channel=channel, text=not_theirs_message(name, theirs.owner))
        return
    except (FileRefused, TemplateMismatch) as refused:
        said = describe(refused)
        await client.chat_postMessage(channel=channel, text=refused_message(name, said))
        return
    except Exception:
        log.exception("checking %s failed", name)
        await client.chat_postMessage(
            channel=channel,
            text=f":warning: Checking *{name}* failed on our side; nothing was added. Try again.",
        )
        return
    ts = await post_preview(client, services, job, channel)
    if job.check.rejected:
        await client.files_upload_v2(
            channel=channel,
            thread_ts=ts,
            content=await rows_to_fix(services.bulk, job),
            filename=ROWS_TO_FIX,
            title=f"Rows to fix in {name}",
            initial_comment=(
                "Every row with a problem, as uploaded, with an *error* column. Fix them "
                "there and upload this file again (the error column is ignored)."
            ),
        )


def _group_named(text: str) -> str:
    """The group a dropped file is for: the message's text, with or without
    ``import`` before it and quotes around it."""
    words = text.strip().removeprefix("/group").strip()
    if words.lower().startswith("import "):
        words = words[len("import ") :]
    return words.strip().strip('"\u201c\u201d').strip()


async def post_preview(
    client: AsyncWebClient, services: Services, job: BulkJob, channel: str
) -> str:
    """The preview whose thread carries the job from here on."""
    text, blocks = preview_message(job)
    posted = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    await services.bulk.posted(job.id, channel, posted["ts"])
    return str(posted["ts"])


def _slack_hosts(client: AsyncWebClient) -> FileHosts:
    """The bot token only ever goes to the file hosts of the Slack it talks to."""
    return FileHosts.of(client.base_url)


def _name(upload: dict[str, Any]) -> str:
    """A file's name as the payload gives it (a Slack Connect stub gives none)."""
    return str(upload.get("name") or "your file")
