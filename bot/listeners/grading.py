"""The Review Center (``/group review``, ``/group graded``) and the Gradebook
(``/group gradebook``): their buttons and forms."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ids import Action, Field, Modal
from bot.listeners.errors import guard, guard_view
from bot.services import Services
from bot.views.grading import (
    claimed,
    edit_modal,
    edited,
    exported,
    grade_modal,
    gradebook_message,
    graded,
    graded_message,
    history_modal,
    learner_record_modal,
    queue_message,
    released,
    reset_modal,
    unclaimed,
    was_reset,
)
from bot.views.modals import done_modal
from bot.views.paging import page_value
from bot.xlsx_export import assessment_results_workbook
from domain.entities import Actor, Course, Group
from domain.errors import DomainError, InvalidInput
from domain.letters import Trigger
from domain.permissions import Capability


async def show_queue(
    services: Services, actor: Actor, group: Group | None, *, offset: int = 0
) -> tuple[str, list[dict[str, Any]]]:
    page = await services.grading.queue(actor, group, offset=offset)
    return queue_message(page, group, you=actor.user_id)


async def show_gradebook(
    services: Services, actor: Actor, key: str, *, offset: int = 0
) -> tuple[str, list[dict[str, Any]]]:
    """``key``: ``<group id>/<course id or nothing>``, as the pager and export carry it."""
    group, course = await _book_of(services, actor, key)
    ids = [course.id] if course else None
    book = await services.grading.gradebook(actor, group, ids, offset=offset)
    return gradebook_message(group, course.title if course else "", book, key)


async def _book_of(services: Services, actor: Actor, key: str) -> tuple[Group, Course | None]:
    group_id, _, course_id = key.partition("/")
    group = await services.groups.resolve(actor, f"#{group_id}", Capability.GRADEBOOK)
    course = await services.courses.resolve(f"#{course_id}") if course_id else None
    return group, course


async def show_graded(
    services: Services, actor: Actor, group: Group | None, *, offset: int = 0
) -> tuple[str, list[dict[str, Any]]]:
    page = await services.grading.graded(actor, group, offset=offset)
    return graded_message(page, group)


_FIELDS = {"score": Field.SCORE, "feedback": Field.FEEDBACK, "reason": Field.REASON}


def _grade_field(error: DomainError) -> str | None:
    """A score, feedback or reason mistake shows under its field; the rest replace the form."""
    if isinstance(error, InvalidInput):
        return _FIELDS.get(error.field)
    return None


def _typed(values: dict[str, Any], field: Field) -> str:
    return values.get(field, {}).get(field, {}).get("value") or ""


def register(app: AsyncApp, services: Services) -> None:
    guarded = guard(services)

    async def say(respond: AsyncRespond, text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    @app.action(Action.REVIEW_CLAIM)
    @guarded
    async def claim(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        """Marks the caller as the grader, for every other grader's queue to show."""
        await ack()
        submission = await services.grading.claim(context["actor"], int(action["value"]))
        await say(respond, claimed(submission, mine=True))

    @app.action(Action.REVIEW_UNCLAIM)
    @guarded
    async def unclaim(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        submission = await services.grading.unclaim(context["actor"], int(action["value"]))
        await say(respond, unclaimed(submission))

    @app.action(Action.REVIEW_GRADE)
    @guarded
    async def open_grading(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """The grading form, for a response nobody else is grading."""
        await ack()
        submission = await services.grading.for_grading(context["actor"], int(action["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=grade_modal(submission))

    @app.action(re.compile(rf"^{re.escape(Action.REVIEW_PAGE)}\."))
    @guarded
    async def page(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        """Another page of the queue, in place of the one clicked."""
        await ack()
        key, offset = page_value(action["value"])
        actor = context["actor"]
        group = (
            await services.groups.resolve(actor, f"#{key}", Capability.REVIEW_CENTER)
            if key
            else None
        )
        text, blocks = await show_queue(services, actor, group, offset=offset)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(re.compile(rf"^{re.escape(Action.GRADED_PAGE)}\."))
    @guarded
    async def graded_page(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        key, offset = page_value(action["value"])
        actor = context["actor"]
        group = (
            await services.groups.resolve(actor, f"#{key}", Capability.REVIEW_CENTER)
            if key
            else None
        )
        text, blocks = await show_graded(services, actor, group, offset=offset)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(re.compile(rf"^{re.escape(Action.GRADEBOOK_PAGE)}\."))
    @guarded
    async def gradebook_page(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        await ack()
        key, offset = page_value(action["value"])
        text, blocks = await show_gradebook(services, context["actor"], key, offset=offset)
        await respond(text=text, blocks=blocks, replace_original=True)

    @app.action(Action.GRADEBOOK_LEARNER)
    @guarded
    async def learner_record(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """A learner's row opens every attempt of theirs, with its history."""
        await ack()
        actor = context["actor"]
        group_id, _, user_id = str(action["value"]).partition(":")
        group = await services.groups.resolve(actor, f"#{group_id}", Capability.GRADEBOOK)
        attempts, changes = await services.grading.learner_record(actor, group, int(user_id))
        view = learner_record_modal(attempts, changes)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.GRADEBOOK_EXPORT)
    @guarded
    async def export(
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        """The assessment results workbook, shared in the caller's direct messages."""
        await ack()
        actor = context["actor"]
        group, course = await _book_of(services, actor, str(action["value"]))
        ids = [course.id] if course else None
        book = await services.grading.export(actor, group, ids)
        await say(respond, exported(group))
        content = await asyncio.to_thread(assessment_results_workbook, book)
        direct = (await client.conversations_open(users=actor.slack_user_id))["channel"]["id"]
        await client.files_upload_v2(
            channel=direct,
            content=content,
            filename="assessment-results.xlsx",
            title=f"Assessment results: {group.title}",
            initial_comment=f"Assessment results of {group.title}, one sheet per course.",
        )

    @app.action(Action.RELEASE_GRADES)
    @guarded
    async def release(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
    ) -> None:
        """Every graded response to the assessment reaches its learner."""
        await ack()
        actor = context["actor"]
        key, _, assessment = str(action["value"]).partition(":")
        group = (
            await services.groups.resolve(actor, f"#{key}", Capability.REVIEW_CENTER)
            if key
            else None
        )
        done = await services.grading.release(actor, group, int(assessment))
        emailed = Trigger.GRADE_RELEASED in await services.emails.enabled()
        await say(respond, released(group, done, emailed=emailed))

    @app.action(Action.GRADE_EDIT)
    @guarded
    async def open_edit(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        submission = await services.grading.for_edit(context["actor"], int(action["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=edit_modal(submission))

    @app.action(Action.GRADE_RESET)
    @guarded
    async def open_reset(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        submission = await services.grading.for_edit(context["actor"], int(action["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=reset_modal(submission))

    @app.action(Action.GRADE_HISTORY)
    @guarded
    async def open_history(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        actor, submission_id = context["actor"], int(action["value"])
        changes = await services.grading.history(actor, submission_id)
        submission = await services.grading.reachable(actor, submission_id)
        view = history_modal(submission, changes)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(Modal.EDIT_GRADE)
    @guard_view(services, title="Not changed", field_of=_grade_field)
    async def edit_submitted(ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]) -> None:
        values = view["state"]["values"]
        submission = await services.grading.edit(
            context["actor"],
            int(view.get("private_metadata") or 0),
            score=_typed(values, Field.SCORE),
            feedback=_typed(values, Field.FEEDBACK),
            reason=_typed(values, Field.REASON),
        )
        await ack(response_action="update", view=done_modal("Grade edited", edited(submission)))

    @app.view(Modal.RESET_GRADE)
    @guard_view(services, title="Not reset", field_of=_grade_field)
    async def reset_submitted(ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]) -> None:
        submission = await services.grading.reset(
            context["actor"],
            int(view.get("private_metadata") or 0),
            reason=_typed(view["state"]["values"], Field.REASON),
        )
        await ack(response_action="update", view=done_modal("Reset", was_reset(submission)))

    @app.view(Modal.GRADE)
    @guard_view(services, title="Not graded", field_of=_grade_field)
    async def submitted(ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]) -> None:
        values = view["state"]["values"]
        submission = await services.grading.grade(
            context["actor"],
            int(view.get("private_metadata") or 0),
            score=_typed(values, Field.SCORE),
            feedback=_typed(values, Field.FEEDBACK),
        )
        await ack(response_action="update", view=done_modal("Graded", graded(submission)))
