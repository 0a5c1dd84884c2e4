"""Rules for groups and segments: the form, the preview's buttons, re-evaluation.

A preview goes to the person's direct message with Roster, its full list as a
file in the thread. Saving a group's rule posts "evaluating" in that thread
and edits it to the outcome once the rule has run for everyone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Action, Field, Modal
from bot.listeners.errors import guard, guard_view
from bot.services import Services
from bot.slack_people import direct_message
from bot.views.modals import done_modal
from bot.views.review import chosen_decision, reason_field
from bot.views.rules import (
    SEGMENT,
    already_decided,
    approval_request,
    decided_message,
    evaluated,
    evaluating,
    evaluation_failed,
    form_rows,
    form_text,
    preview_message,
    refreshing,
    review_modal,
    review_recorded,
    reviewed,
    row_error_field,
    rule_modal,
    rule_words,
    segment_saved,
    sent_for_approval,
)
from bot.xlsx_export import people_workbook
from domain.entities import Actor, Group, User
from domain.errors import DomainError, InvalidInput
from domain.permissions import Capability
from domain.rules.model import Rule, RuleError, RuleRun, RuleState, SavedRule
from domain.rules.text import describe
from domain.validation import normalize_title


async def send_preview(
    client: AsyncWebClient,
    services: Services,
    actor: Actor,
    group: Group | None,
    rule: Rule,
    *,
    name: str = "",
) -> None:
    """The preview message in the person's direct messages, and its full list in the thread."""
    draft, preview = await services.rules.preview(actor, group, rule, name=name)
    direct = await direct_message(client, actor.slack_user_id)
    approval = services.rules.needs_approval(actor, group)
    text, blocks = preview_message(group, draft, describe(rule), preview, approval=approval)
    posted = await client.chat_postMessage(channel=direct, text=text, blocks=blocks)
    run = await services.rules.preview_list(actor, draft)
    if run is None:
        return
    content = await asyncio.to_thread(people_workbook, _listed(run, segment=group is None))
    await client.files_upload_v2(
        channel=direct,
        thread_ts=posted["ts"],
        content=content,
        filename="segment-preview.xlsx" if group is None else "rule-preview.xlsx",
        title=text,
        initial_comment="Everyone the preview counts, with what saving would do to each.",
    )


def _listed(run: RuleRun, *, segment: bool) -> list[tuple[str, User]]:
    added = "matches" if segment else "would be added"
    return [(added, u) for u in run.added] + [("would be removed", u) for u in run.removed]


async def run_rule(
    client: AsyncWebClient,
    services: Services,
    saved: SavedRule,
    group: Group,
    *,
    channel: str,
    thread_ts: str | None,
    cause: str,
) -> RuleRun:
    """Posts "evaluating", applies the rule for everyone, then edits the post to the outcome."""
    status = await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=evaluating(group)
    )
    try:
        run = await services.rules.run(saved, cause)
    except Exception:
        await client.chat_update(channel=channel, ts=status["ts"], text=evaluation_failed(group))
        raise
    await client.chat_update(channel=channel, ts=status["ts"], text=evaluated(group, run))
    return run


async def refresh(
    client: AsyncWebClient,
    services: Services,
    actor: Actor,
    group: Group,
    say: Callable[[str], Awaitable[object]],
) -> None:
    """Re-evaluate now: ``say`` tells the person where the outcome will be, once the
    group is known to have a rule; the status goes to their direct messages."""
    saved = await services.rules.active(actor, group)
    await say(refreshing(group))
    direct = await direct_message(client, actor.slack_user_id)
    cause = f"re-evaluated by {await _name(services, actor)}"
    await run_rule(client, services, saved, group, channel=direct, thread_ts=None, cause=cause)


async def _name(services: Services, actor: Actor) -> str:
    identity = await services.users.whoami(actor)
    return identity.user.username if identity.user else actor.slack_user_id


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    def rule_field(error: DomainError) -> str | None:
        """A segment's name, a form row, or the typed rule: where the mistake shows."""
        if isinstance(error, InvalidInput):
            return Field.SEGMENT_NAME
        if isinstance(error, RuleError):
            return Field.RULE_TEXT if error.row is None else row_error_field(error.row)
        return None

    @app.view(Modal.RULE_FORM)
    @guard_view(services, title="Rule", field_of=rule_field)
    async def submitted(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        """Checks the rule before the modal closes, so a mistake shows on its field."""
        actor, values = context["actor"], view["state"]["values"]
        text = form_text(values)
        name = ""
        group = await _target(services, actor, view.get("private_metadata") or "")
        if group is None:
            typed = values.get(Field.SEGMENT_NAME, {}).get(Field.SEGMENT_NAME, {})
            name = normalize_title(typed.get("value") or "", what="segment name")
        rules = services.rules
        rule = await (
            rules.read(actor, group, text)
            if text.strip()
            else rules.read_form(actor, group, form_rows(values))
        )
        await ack()
        await send_preview(client, services, actor, group, rule, name=name)

    @app.action(re.compile(rf"^({re.escape(Action.SAVE_RULE)}|{re.escape(Action.CANCEL_RULE)})$"))
    @guarded
    async def decide(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """*Save rule* or *Cancel* on a preview."""
        await ack()
        save = action["action_id"] == Action.SAVE_RULE
        await _decide(client, services, context["actor"], body, int(action["value"]), save=save)

    @app.action(Action.REVIEW_RULE)
    @guarded
    async def review(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """An admin opens a manager's rule waiting for approval."""
        await ack()
        saved, group, preview = await services.rules.for_review(
            context["actor"], int(action["value"])
        )
        if saved.state is not RuleState.PENDING or group is None:
            view = done_modal("Group rule", review_recorded(saved, now_decided=False))
        else:
            words = rule_words(await services.rules.parsed(saved, group))
            view = review_modal(group, saved, words, preview)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(Modal.REVIEW_RULE)
    @guard_view(services, title="Not decided", field_of=reason_field)
    async def reviewed_rule(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        approve, reason = chosen_decision(view["state"]["values"])
        actor = context["actor"]
        saved, now = await services.rules.review(
            actor, int(view.get("private_metadata") or 0), approve=approve, reason=reason
        )
        text = review_recorded(saved, now_decided=now)
        await ack(response_action="update", view=done_modal("Group rule", text))
        if now:
            await _tell_reviewed(client, services, actor, saved)

    @app.action(Action.EDIT_RULE)
    @guarded
    async def edit(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        await open_form(client, services, context["actor"], action["value"], body["trigger_id"])

    @app.action(Action.REFRESH_RULE)
    @guarded
    async def refresh_now(
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        actor = context["actor"]
        group = await services.groups.resolve(actor, action["value"], Capability.MANAGE_SEGMENTS)

        async def say(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=False)

        await refresh(client, services, actor, group, say)


async def _ask_admins(
    client: AsyncWebClient, services: Services, draft: SavedRule, group: Group, words: str
) -> None:
    """Every admin gets the request with a Review button; the manager hears where it went."""
    admins = await services.users.admin_slack_ids()
    await client.chat_postMessage(
        channel=draft.channel, thread_ts=draft.thread_ts, text=sent_for_approval(admins)
    )
    text, blocks = approval_request(group, draft, words)
    for admin in admins:
        direct = await direct_message(client, admin)
        await client.chat_postMessage(channel=direct, text=text, blocks=blocks)


async def _tell_reviewed(
    client: AsyncWebClient, services: Services, actor: Actor, saved: SavedRule
) -> None:
    """The manager's preview shows the decision; an approved rule runs in its thread, as
    an admin's own rule would."""
    group = await services.rules.group_of(saved)
    words = rule_words(await services.rules.parsed(saved, group))
    text, blocks = decided_message(group, saved, words, by=actor.slack_user_id)
    where = {"channel": saved.channel, "thread_ts": saved.thread_ts}
    await client.chat_update(channel=saved.channel, ts=saved.thread_ts, text=text, blocks=blocks)
    await client.chat_postMessage(
        channel=saved.channel, thread_ts=saved.thread_ts, text=reviewed(saved)
    )
    if saved.state is RuleState.ACTIVE and group is not None:
        cause = f"rule approved by {await _name(services, actor)}"
        await run_rule(client, services, saved, group, **where, cause=cause)


async def open_form(
    client: AsyncWebClient, services: Services, actor: Actor, group_key: str, trigger_id: str
) -> None:
    """The rule form for a group, filled in with its current rule."""
    group = await services.groups.resolve(actor, group_key, Capability.MANAGE_SEGMENTS)
    saved = await services.rules.current(actor, group)
    text = saved.text if saved else ""
    await client.views_open(trigger_id=trigger_id, view=rule_modal(group, text=text))


async def _target(services: Services, actor: Actor, metadata: str) -> Group | None:
    if metadata == SEGMENT:
        return None
    return await services.groups.resolve(actor, metadata, Capability.MANAGE_SEGMENTS)


async def _decide(
    client: AsyncWebClient,
    services: Services,
    actor: Actor,
    body: dict[str, Any],
    rule_id: int,
    *,
    save: bool,
) -> None:
    """Saves or cancels once; a second click is told it was already decided."""
    channel, ts = body["container"]["channel_id"], body["container"]["message_ts"]
    draft, moved = await services.rules.decide(
        actor, rule_id, save=save, channel=channel, thread_ts=ts
    )
    if not moved:
        await client.chat_postMessage(channel=channel, thread_ts=ts, text=already_decided(draft))
        return
    group = await services.rules.group_of(draft)
    words = rule_words(await services.rules.parsed(draft, group))
    text, blocks = decided_message(group, draft, words, by=actor.slack_user_id)
    await client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    if not save:
        await client.chat_postMessage(channel=channel, thread_ts=ts, text=text)
        return
    if draft.state is RuleState.PENDING and group is not None:
        await _ask_admins(client, services, draft, group, words)
        return
    if group is None:
        await client.chat_postMessage(channel=channel, thread_ts=ts, text=segment_saved(draft))
        return
    cause = f"rule saved by {await _name(services, actor)}"
    await run_rule(client, services, draft, group, channel=channel, thread_ts=ts, cause=cause)
