"""One person's card: opening it from a list, its buttons, and its edit form.

Every click re-checks the caller's rights in the domain (anyone who can see a
message can click its buttons), and a change shows the card again in place,
with a line saying what was done.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Action, Field, Modal
from bot.listeners.errors import guard
from bot.listeners.modal_submissions import Form, _listener
from bot.services import Services
from bot.views.blocks import Block
from bot.views.modals import View, done_modal
from bot.views.user_card import (
    GROUP_CHOICES,
    card_done,
    card_message,
    courses_modal,
    delete_modal,
    edit_modal,
    email_modal,
    enrolment_done,
    groups_modal,
    membership_done,
    progress_modal,
    removing,
    reset_modal,
    user_deleted,
)
from domain.entities import Actor
from domain.permissions import Capability
from domain.user_card.model import PersonNotFound, UserCard

log = logging.getLogger("roster.user_card")


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)
    cards = services.user_cards

    @app.action(Action.OPEN_CARD)
    @guarded
    async def open_card(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """From a row of a group's members: the card below the list, which stays; from
        the list in App Home's modal, by direct message, where its buttons can update it."""
        await ack()
        card = await cards.by_id(context["actor"], int(action["value"]))
        text, blocks = card_message(card)
        if body.get("container", {}).get("type") == "view":
            await client.chat_postMessage(channel=context["user_id"], text=text, blocks=blocks)
            return
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    @app.action(Action.SUSPEND_USER)
    @app.action(Action.REACTIVATE_USER)
    @app.action(Action.RESEND_USER_INVITE)
    @guarded
    async def status(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        actor, user_id = context["actor"], int(action["value"])
        if action["action_id"] == Action.RESEND_USER_INVITE:
            card = await cards.resend_invitation(actor, user_id)
            note = card_done(card, "Sending a new invitation to") + (
                " `/group log emails` shows when it goes out."
            )
        elif action["action_id"] == Action.SUSPEND_USER:
            card = await cards.suspend(actor, user_id)
            note = card_done(card, "Suspended") + (
                " They can't sign in, their sessions have ended and their links no longer "
                "work; they stay in their groups."
            )
        else:
            card = await cards.reactivate(actor, user_id)
            note = card_done(card, "Reactivated") + f" Their status is _{card.user.status}_."
        text, blocks = card_message(card, note=note)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(Action.EDIT_USER)
    @guarded
    async def open_edit(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """The form, filled in; it remembers the card it came from, to update it."""
        await ack()
        card = await cards.editable(context["actor"], int(action["value"]))
        view = edit_modal(card, reply_to=body.get("response_url", ""))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def edit(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        user_id, _, reply_to = form.metadata.partition("|")
        card = await cards.edit(
            actor,
            int(user_id),
            username=form.text(Field.USERNAME),
            first_name=form.text(Field.FIRST_NAME),
            last_name=form.text(Field.LAST_NAME),
            tags=form.text(Field.TAGS),
        )
        return await _updated(card, "Saved the changes to", reply_to)

    @app.action(Action.CARD_GROUPS)
    @app.action(Action.CARD_COURSES)
    @guarded
    async def open_choices(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """The Groups or Courses form: something of the caller's to give or take away."""
        await ack()
        actor, user_id = context["actor"], int(action["value"])
        reply_to = body.get("response_url", "")
        if action["action_id"] == Action.CARD_GROUPS:
            card, groups = await cards.group_choices(actor, user_id, most=GROUP_CHOICES)
            view = groups_modal(card, groups, reply_to=reply_to)
        else:
            card, courses = await cards.course_choices(actor, user_id)
            view = courses_modal(card, courses, reply_to=reply_to)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def change_groups(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        """Adding and removing are the member service's, as from `/group add`: the
        same checks, seat limit, rules and emails."""
        user_id, _, reply_to = form.metadata.partition("|")
        user = (await cards.editable(actor, int(user_id))).user
        group = await services.groups.resolve(
            actor, f"#{form.selected(Field.CARD_GROUP)}", Capability.BASIC_USER_ACTIONS
        )
        if removing(form.selected(Field.GROUP_CHANGE)):
            await services.members.remove(actor, group, email=user.email)
            added = before = False
        else:
            joined = await services.members.add(actor, group, email=user.email)
            added, before = True, joined.already_member
        note = membership_done(user.username, user.email, group.title, added=added, before=before)
        try:
            card = await cards.editable(actor, user.id)
        except PersonNotFound:
            if reply_to:
                await _replace(reply_to, note + " They are no longer in any of your groups.")
            return done_modal("User saved", note)
        return await _shown(card, note, reply_to)

    async def change_courses(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        user_id, _, reply_to = form.metadata.partition("|")
        enrol = not removing(form.selected(Field.GROUP_CHANGE))
        course_id = int(form.selected(Field.CARD_COURSE) or 0)
        card, course = await cards.enrol(actor, int(user_id), course_id, enrol=enrol)
        return await _shown(card, enrolment_done(card, course.title, enrolled=enrol), reply_to)

    @app.action(Action.SET_PROGRESS)
    @app.action(Action.RESET_PROGRESS)
    @guarded
    async def open_progress(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        setting = action["action_id"] == Action.SET_PROGRESS
        needs = Capability.UPDATE_PROGRESS if setting else Capability.ADVANCED_USER_ACTIONS
        card = await cards.progress_card(context["actor"], int(action["value"]), needs)
        form = progress_modal if setting else reset_modal
        view = form(card, reply_to=body.get("response_url", ""))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def set_progress(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        user_id, _, reply_to = form.metadata.partition("|")
        card = await cards.set_progress(
            actor,
            int(user_id),
            course_id=int(form.selected(Field.COURSE) or 0),
            percent=form.text(Field.PERCENT),
            complete=bool(form.ticked_in(Field.COMPLETE)),
            reason=form.text(Field.REASON),
        )
        return await _updated(card, "Updated the progress of", reply_to)

    async def reset_progress(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        user_id, _, reply_to = form.metadata.partition("|")
        card = await cards.reset_progress(
            actor,
            int(user_id),
            course_id=int(form.selected(Field.COURSE) or 0),
            reason=form.text(Field.REASON),
        )
        return await _updated(card, "Reset the progress of", reply_to)

    @app.action(Action.CHANGE_EMAIL)
    @app.action(Action.DELETE_USER)
    @guarded
    async def open_whole(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """Forms that reach the person everywhere: every group must be the caller's."""
        await ack()
        emailing = action["action_id"] == Action.CHANGE_EMAIL
        needs = Capability.ADVANCED_USER_ACTIONS if emailing else Capability.DELETE_USER
        card = await cards.whole_card(context["actor"], int(action["value"]), needs)
        form = email_modal if emailing else delete_modal
        view = form(card, reply_to=body.get("response_url", ""))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def change_email(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        user_id, _, reply_to = form.metadata.partition("|")
        card = await cards.change_email(actor, int(user_id), email=form.text(Field.EMAIL))
        return await _updated(card, "Changed the email of", reply_to)

    async def delete(actor: Actor, form: Form, client: AsyncWebClient) -> View:
        user_id, _, reply_to = form.metadata.partition("|")
        user = await cards.delete(actor, int(user_id))
        text = user_deleted(user.username, user.email)
        if reply_to:
            await _replace(reply_to, text)
        return done_modal("User deleted", text)

    app.view(Modal.EDIT_USER)(_listener(edit, services))
    app.view(Modal.CHANGE_EMAIL)(_listener(change_email, services))
    app.view(Modal.DELETE_USER)(_listener(delete, services))
    app.view(Modal.SET_PROGRESS)(_listener(set_progress, services))
    app.view(Modal.RESET_PROGRESS)(_listener(reset_progress, services))
    app.view(Modal.CARD_GROUPS)(_listener(change_groups, services))
    app.view(Modal.CARD_COURSES)(_listener(change_courses, services))


async def _updated(card: UserCard, what: str, reply_to: str) -> View:
    """The card that opened the form shows the change too, where it stands."""
    return await _shown(card, card_done(card, what), reply_to)


async def _shown(card: UserCard, note: str, reply_to: str) -> View:
    if reply_to:
        text, blocks = card_message(card, note=note)
        await _replace(reply_to, text, blocks)
    return done_modal("User saved", note)


async def _replace(reply_to: str, text: str, blocks: list[Block] | None = None) -> None:
    """The card where it stands, while Slack still takes its response_url (30 minutes,
    5 uses); after that the form's own outcome is what the person sees, so a refusal
    here changes nothing that was saved."""
    try:
        await AsyncRespond(response_url=reply_to)(text=text, blocks=blocks, replace_original=True)
    except aiohttp.ClientError:
        log.info("the card's response_url is no longer taken; the form shows the outcome")
