"""Certifications: ``/group certificates``, Revoke with its reason, the export."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Action, Field, Modal
from bot.listeners.errors import guard, guard_view
from bot.services import Services
from bot.views.certificates import certificates_message, exported, revoke_modal, revoked
from bot.views.modals import done_modal
from bot.views.paging import page_value
from bot.xlsx_export import certificates_workbook
from domain.entities import Actor, Course, Group
from domain.errors import CourseNotFound, DomainError, InvalidInput
from domain.permissions import Capability


async def show_certificates(
    services: Services, actor: Actor, key: str, *, offset: int = 0
) -> tuple[str, list[dict[str, Any]]]:
    """``key``: ``<group id>/<course id or nothing>/<search>``, as buttons carry it.
    Verification links start with PUBLIC_BASE_URL, as the emails' links do."""
    base_url = services.emails.letters.base_url
    group, course, search = await _listing_of(services, actor, key)
    certificates = services.certificates
    page = await certificates.listing(actor, group, course, search=search, offset=offset)
    return certificates_message(
        group, page, certificates.now(), key=key, search=search, base_url=base_url
    )


async def listing_key(services: Services, actor: Actor, args: list[str]) -> str:
    """The group, then a course's name or, when no course has it, words to search for."""
    group = await services.groups.resolve(actor, args[0], Capability.CERTIFICATIONS)
    course_id, search = "", ""
    if len(args) > 1:
        try:
            course_id = str((await services.courses.resolve(args[1])).id)
        except CourseNotFound:
            search = args[1]
    return f"{group.id}/{course_id}/{search}"


async def _listing_of(
    services: Services, actor: Actor, key: str
) -> tuple[Group, Course | None, str]:
    group_id, course_id, search = [*key.split("/", 2), "", ""][:3]
    group = await services.groups.resolve(actor, f"#{group_id}", Capability.CERTIFICATIONS)
    course = await services.courses.resolve(f"#{course_id}") if course_id else None
    return group, course, search


def _reason_field(error: DomainError) -> str | None:
    return Field.REASON if isinstance(error, InvalidInput) else None


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    @app.action(re.compile(rf"^{re.escape(Action.CERTIFICATES_PAGE)}\."))
    @guarded
    async def page(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        key, offset = page_value(action["value"])
        text, blocks = await show_certificates(services, context["actor"], key, offset=offset)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(Action.CERTIFICATE_REVOKE)
    @guarded
    async def open_revoke(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        found = await services.certificates.reachable(context["actor"], int(action["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=revoke_modal(found))

    @app.view(Modal.REVOKE_CERTIFICATE)
    @guard_view(services, title="Not revoked", field_of=_reason_field)
    async def revoke_submitted(
        ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        reason = view["state"]["values"].get(Field.REASON, {}).get(Field.REASON, {})
        found = await services.certificates.revoke(
            context["actor"],
            int(view.get("private_metadata") or 0),
            reason=reason.get("value") or "",
        )
        await ack(response_action="update", view=done_modal("Revoked", revoked(found)))

    @app.action(Action.CERTIFICATES_EXPORT)
    @guarded
    async def export(
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        actor = context["actor"]
        group, course, _ = await _listing_of(services, actor, str(action["value"]))
        everything = await services.certificates.everything(actor, group, course)
        await respond(text=exported(group), response_type="ephemeral", replace_original=False)
        now = services.certificates.now()
        zone = await services.school_time.zone()
        content = await asyncio.to_thread(certificates_workbook, everything.items, now, zone)
        direct = (await client.conversations_open(users=actor.slack_user_id))["channel"]["id"]
        await client.files_upload_v2(
            channel=direct,
            content=content,
            filename="certificates.xlsx",
            title=f"Certificates: {group.title}",
            initial_comment=f"Certificates of {group.title}, with their status today.",
        )
