"""Modal submissions. Each does its work before the ack when it can, so a mistake
can be shown on the field it concerns; the modal then shows the outcome. Work
that waits on Slack (looking up the managers chosen) may outlast Slack's 3
seconds, so it is given only so long before the modal is acknowledged as
"saving" and updated with the outcome when ready."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.ids import Field, Modal
from bot.listeners.context import CALLER, RECEIVED
from bot.listeners.errors import refusal
from bot.listeners.home import publish_home
from bot.listeners.schedules import ScheduleRequest, create_schedule
from bot.services import Services
from bot.views import replies
from bot.views.emails import notifications_saved
from bot.views.errors import describe
from bot.views.modals import View, done_modal, saving_modal
from bot.views.permissions import DEFAULT, permissions_modal, saved
from bot.views.schedules import created as schedule_created
from bot.views.schedules import edited as schedule_edited
from domain.clock import utc_now
from domain.entities import Actor, Group
from domain.errors import DomainError, InvalidInput, TitleTaken
from domain.permissions import Capability
from domain.schedules import parse_kind
from domain.user_card.model import EmailTaken

_FIELD_OF = {
    "title": Field.TITLE,
    "description": Field.DESCRIPTION,
    "email": Field.EMAIL,
    "username": Field.USERNAME,
    "seat limit": Field.SEAT_LIMIT,
    "Manage users": f"{Field.PERMISSIONS}.0",
    "how often": Field.SCHEDULE_WHEN,
    "day": Field.SCHEDULE_WHEN,
    "time": Field.SCHEDULE_WHEN,
    "time zone": Field.SCHEDULE_WHEN,
    "first name": Field.FIRST_NAME,
    "last name": Field.LAST_NAME,
    "tags": Field.TAGS,
    "tag": Field.TAGS,
    "progress": Field.PERCENT,
    "reason": Field.REASON,
}


class Form:
    """Typed reads of ``view.state.values`` keyed by our block ids."""

    def __init__(self, view: dict[str, Any]) -> None:
        self._values = view["state"]["values"]
        self.metadata = view.get("private_metadata", "")

    def _entry(self, field: Field) -> dict[str, Any]:
        entry: dict[str, Any] = self._values.get(field, {}).get(field, {})
        return entry

    def text(self, field: Field) -> str:
        return self._entry(field).get("value") or ""

    def options(self, field: Field) -> list[int]:
        return [int(value) for value in self.ticked_in(field)]

    def users(self, field: Field) -> list[str]:
        return list(self._entry(field).get("selected_users") or [])

    def conversation(self, field: Field) -> str:
        return str(self._entry(field).get("selected_conversation") or "")

    def selected(self, field: Field) -> str:
        """The value of a single select's chosen option, or empty."""
        return str((self._entry(field).get("selected_option") or {}).get("value", ""))

    def user(self, field: Field) -> str | None:
        return self._entry(field).get("selected_user")

    def ticked_in(self, field: Field) -> list[str]:
        return [o["value"] for o in self._entry(field).get("selected_options") or []]

    def ticked(self, prefix: Field) -> list[str]:
        """Values ticked in every checkbox input whose block_id starts with ``prefix``."""
        return [
            option["value"]
            for block_id, entries in self._values.items()
            if block_id.startswith(f"{prefix}.")
            for entry in entries.values()
            for option in entry.get("selected_options") or []
        ]


Submit = Callable[[Actor, Form, AsyncWebClient], Awaitable[View]]
"""Does the work and returns what the modal becomes."""


def register(app: AsyncApp, services: Services) -> None:
    async def group_of(actor: Actor, form: Form, capability: Capability) -> Group:
        return await services.groups.resolve(actor, f"#{form.metadata}", capability)

    async def create(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        group = await services.groups.create(
            actor,
            title=form.text(Field.TITLE),
            description=form.text(Field.DESCRIPTION),
            seat_limit=form.text(Field.SEAT_LIMIT) or None,
            courses=await services.courses.by_ids(form.options(Field.COURSES)),
            managers=await slack_people.profiles(client, form.users(Field.MANAGERS)),
        )
        return done_modal("Group created", replies.group_created(group))

    async def add_member(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        group = await group_of(actor, form, Capability.BASIC_USER_ACTIONS)
        outcome = await services.members.add(
            actor, group, email=form.text(Field.EMAIL), username=form.text(Field.USERNAME)
        )
        return done_modal("Member added", replies.member_added(outcome))

    async def rename(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        group = await group_of(actor, form, Capability.EDIT_GROUP)
        renamed = await services.groups.rename(actor, group, title=form.text(Field.TITLE))
        return done_modal("Group renamed", replies.renamed(group.title, renamed))

    async def courses(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        group = await group_of(actor, form, Capability.EDIT_GROUP)
        chosen = await services.courses.by_ids(form.options(Field.COURSES))
        group = await services.groups.set_courses(actor, group, chosen)
        return done_modal("Courses saved", replies.courses_set(group))

    async def managers(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        group = await group_of(actor, form, Capability.ASSIGN_MANAGERS)
        profiles = await slack_people.profiles(client, form.users(Field.MANAGERS))
        group = await services.groups.set_managers(actor, group, profiles)
        return done_modal("Managers saved", replies.managers_set(group))

    async def delete(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        group = await group_of(actor, form, Capability.DELETE_GROUP)
        await services.groups.delete(actor, group)
        return done_modal("Group deleted", replies.deleted(group.title, group.member_count))

    async def pick_manager(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        profile = await slack_people.profile(client, form.user(Field.MANAGER) or "")
        user = await services.permissions.subject(actor, profile)
        return permissions_modal(await services.permissions.of(actor, user))

    async def permissions(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        grants = services.permissions
        subject = None if form.metadata == DEFAULT else await grants.user(actor, int(form.metadata))
        change = await grants.save(actor, subject, form.ticked(Field.PERMISSIONS))
        return done_modal("Permissions saved", saved(subject, change))

    async def notifications(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        ticked = form.ticked_in(Field.NOTIFICATIONS)
        enabled = await services.emails.set_enabled(actor, ticked)
        return done_modal("Emails saved", notifications_saved(enabled))

    async def schedule(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        here, _, number = form.metadata.partition("|")
        request = ScheduleRequest(
            parse_kind(form.selected(Field.SCHEDULE_KIND)),
            form.text(Field.SCHEDULE_GROUP),
            form.text(Field.SCHEDULE_WHEN).split(),
            form.conversation(Field.SCHEDULE_WHERE) or "me",
            with_file=bool(form.ticked_in(Field.SCHEDULE_FILE)),
            post_empty=bool(form.ticked_in(Field.SCHEDULE_EMPTY)),
            course=form.text(Field.SCHEDULE_COURSE),
            segment=form.text(Field.SCHEDULE_SEGMENT),
            editing=int(number) if number.isdigit() else None,
        )
        made = await create_schedule(services, client, actor, request, here=here)
        if request.editing is not None:
            return done_modal("Report saved", schedule_edited(made, utc_now()))
        return done_modal("Report scheduled", schedule_created(made, utc_now()))

    submits: dict[Modal, Submit] = {
        Modal.CREATE_GROUP: create,
        Modal.ADD_MEMBER: add_member,
        Modal.RENAME: rename,
        Modal.COURSES: courses,
        Modal.MANAGERS: managers,
        Modal.DELETE: delete,
        Modal.PICK_MANAGER: pick_manager,
        Modal.PERMISSIONS: permissions,
        Modal.NOTIFICATIONS: notifications,
        Modal.SCHEDULE: schedule,
    }

    for callback, submit in submits.items():
        app.view(callback)(_listener(submit, services))


@dataclass(frozen=True)
class _Answer:
    """What a submission comes to: the ack when it is ready in time, the view when it
    is late (a field's error can only be shown on the field by the ack)."""

    ack: dict[str, Any]
    view: View
    saved: bool = False


def _listener(submit: Submit, services: Services) -> Callable[..., Awaitable[None]]:
    async def on_submit(
        ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        """The work (Slack lookups included) gets until SUBMIT_SECONDS after the
        submission; if it needs longer, the modal says it is saving, and the outcome
        replaces it when ready (or comes by direct message if it was closed)."""
        work = asyncio.ensure_future(_answer(submit, services, view, client, context))
        if await slack_people.in_time(work, context[RECEIVED], slack_people.SUBMIT_SECONDS):
            answer = work.result()
            await ack(**answer.ack)
        else:
            await ack(response_action="update", view=saving_modal())
            answer = await work
            await _late(client, view, context["user_id"], answer.view)
        if answer.saved:
            actor = await services.users.actor(context["user_id"])
            await publish_home(client, services, actor)

    return on_submit


async def _answer(
    submit: Submit,
    services: Services,
    view: dict[str, Any],
    client: AsyncWebClient,
    context: dict[str, Any],
) -> _Answer:
    caller = context.get(CALLER)
    actor = await caller if caller is not None else context["actor"]
    try:
        outcome = await submit(actor, Form(view), client)
    except DomainError as error:
        answer = await refusal(error, view, "Not saved", _field_of, services)
        late = answer.get("view") or done_modal("Not saved", describe(error))
        return _Answer(answer, late)
    return _Answer({"response_action": "update", "view": outcome}, outcome, saved=True)


def _field_of(error: DomainError) -> str | None:
    """A title clash is about the title; an input error about the field it names."""
    if isinstance(error, TitleTaken):
        return Field.TITLE
    if isinstance(error, EmailTaken):
        return Field.EMAIL
    if isinstance(error, InvalidInput):
        return _FIELD_OF.get(error.field)
    return None


async def _late(
    client: AsyncWebClient, submitted: dict[str, Any], user_id: str, view: View
) -> None:
    """The outcome in place of the "saving" view, by its id (its hash changed when the
    ack replaced it); by direct message if the person closed it meanwhile."""
    try:
        await client.views_update(view_id=submitted["id"], view=view)
    except SlackApiError:
        text = next((b["text"]["text"] for b in view["blocks"] if b.get("type") == "section"), "")
        await client.chat_postMessage(channel=user_id, text=text or "Your form was saved.")
