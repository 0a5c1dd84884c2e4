"""The modals: create a group, add a member, rename, courses, managers, delete."""

from __future__ import annotations

from typing import Any

from bot.ids import Field, Modal
from bot.views.blocks import Block, context, escape, option, plain, section
from domain.entities import Course, Group
from domain.validation import MAX_DESCRIPTION, MAX_SEATS, MAX_TITLE

MAX_COURSE_OPTIONS = 100

View = dict[str, Any]


def modal(
    callback: Modal,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None,
    group: Group | None = None,
    metadata: str = "",
    close: str = "Cancel",
) -> View:
    view: View = {
        "type": "modal",
        "callback_id": callback,
        "title": plain(title, 24),
        "close": plain(close, 24),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    metadata = str(group.id) if group is not None else metadata
    if metadata:
        view["private_metadata"] = metadata
    return view


def input_block(
    field: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    """``field`` is a :class:`Field`, or one numbered for a repeated input (``permissions.2``)."""
    block: Block = {
        "type": "input",
        "block_id": field,
        "label": plain(label, 2000),
        "element": {**element, "action_id": field},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def text_input(
    initial: str = "", *, max_length: int, multiline: bool = False, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _course_select(catalogue: list[Course], chosen: tuple[Course, ...] = ()) -> dict[str, Any]:
    options = [option(c.title, str(c.id)) for c in catalogue[:MAX_COURSE_OPTIONS]]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "options": options,
        "placeholder": plain("Choose courses", 150),
    }
    shown = {o["value"] for o in options}
    initial = [option(c.title, str(c.id)) for c in chosen if str(c.id) in shown]
    if initial:
        element["initial_options"] = initial
    return element


def _course_input(catalogue: list[Course], chosen: tuple[Course, ...] = ()) -> list[Block]:
    if not catalogue:
        return [
            context(
                "The course catalogue is empty: an admin adds courses with "
                "`/group course new <title>`."
            )
        ]
    blocks = [
        input_block(
            Field.COURSES,
            "Included courses",
            _course_select(catalogue, chosen),
            optional=True,
            hint="Members are enrolled in these when they join.",
        )
    ]
    if len(catalogue) > MAX_COURSE_OPTIONS:
        blocks.append(
            context(
                f"Showing the first {MAX_COURSE_OPTIONS} courses; include others "
                "with `/group courses <group> add <course>`."
            )
        )
    return blocks


def create_group_modal(catalogue: list[Course]) -> View:
    blocks = [
        input_block(
            Field.TITLE, "Title", text_input(max_length=MAX_TITLE, placeholder="Sales onboarding")
        ),
        input_block(
            Field.DESCRIPTION,
            "Description",
            text_input(max_length=MAX_DESCRIPTION, multiline=True),
            optional=True,
        ),
        *_course_input(catalogue),
        input_block(
            Field.MANAGERS,
            "Managers",
            {"type": "multi_users_select"},
            optional=True,
            hint="They can manage this group's members.",
        ),
        input_block(
            Field.SEAT_LIMIT,
            "Seat limit",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(MAX_SEATS),
            },
            optional=True,
            hint="Leave empty for no limit.",
        ),
    ]
    return modal(Modal.CREATE_GROUP, "Create a group", blocks, submit="Create")


def add_member_modal(group: Group) -> View:
    blocks = [
        section(
            f"Add a member to *{escape(group.title)}*. New people get a school account "
            "and are enrolled in the group's courses."
        ),
        input_block(Field.EMAIL, "Email", {"type": "email_text_input"}),
        input_block(
            Field.USERNAME,
            "Username",
            text_input(max_length=64),
            optional=True,
            hint="Leave empty to use the part of the email before the @.",
        ),
    ]
    return modal(Modal.ADD_MEMBER, "Add a member", blocks, submit="Add", group=group)


def rename_modal(group: Group) -> View:
    blocks = [input_block(Field.TITLE, "New title", text_input(group.title, max_length=MAX_TITLE))]
    return modal(Modal.RENAME, "Rename group", blocks, submit="Rename", group=group)


def courses_modal(group: Group, catalogue: list[Course]) -> View:
    blocks = [
        section(f"Courses included in *{escape(group.title)}*."),
        *_course_input(catalogue, group.courses),
    ]
    submit = "Save" if catalogue else None
    return modal(
        Modal.COURSES,
        "Group courses",
        blocks,
        submit=submit,
        group=group,
        close="Cancel" if submit else "Close",
    )


def managers_modal(group: Group) -> View:
    element: dict[str, Any] = {"type": "multi_users_select"}
    initial = [m.slack_user_id for m in group.managers if m.slack_user_id]
    if initial:
        element["initial_users"] = initial
    blocks = [
        section(f"Managers of *{escape(group.title)}* can manage its members."),
        input_block(Field.MANAGERS, "Managers", element, optional=True),
    ]
    return modal(Modal.MANAGERS, "Group managers", blocks, submit="Save", group=group)


def delete_modal(group: Group) -> View:
    blocks = [
        section(
            f"Delete *{escape(group.title)}*? Its {group.member_count} member(s) stay school "
            "users and keep their enrolments; only the group and its memberships go. "
            "This cannot be undone."
        )
    ]
    return modal(Modal.DELETE, "Delete group", blocks, submit="Delete", group=group)


def done_modal(title: str, text: str) -> View:
    """What a modal turns into once its work is done: the outcome, and a Close button."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("Close", 24),
        "blocks": [section(text)],
    }


def saving_modal() -> View:
    """What a submitted form shows while Slack is slow to answer Roster's lookups:
    it becomes the outcome when the work is done (or the outcome comes by message)."""
    text = (
        ":hourglass_flowing_sand: Saving. Slack is slow to answer Roster right now, so "
        "this form shows the outcome in a moment. If you close it, the outcome comes "
        "by direct message."
    )
    return {
        "type": "modal",
        "title": plain("Saving", 24),
        "close": plain("Close", 24),
        "blocks": [section(text)],
    }
