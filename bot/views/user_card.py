"""One person's card: their record in a message, its buttons, and the edit form."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ids import Action, Field, Modal
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fallback,
    header,
    listing,
    option,
    packed,
    section,
    when,
)
from bot.views.modals import View, input_block, modal, text_input
from domain.entities import Course, Group, UserStatus
from domain.permissions import Capability
from domain.user_card.model import CardAction, UserCard
from domain.user_card.service import ALIAS_DAYS
from domain.validation import MAX_DESCRIPTION, MAX_NAME, MAX_TAGS_TEXT, MAX_USERNAME

_CHANGE_WORDS = {
    CardAction.EDITED: "edited",
    CardAction.SUSPENDED: "suspended",
    CardAction.REACTIVATED: "reactivated",
    CardAction.PROGRESS_SET: "progress set",
    CardAction.COMPLETED: "marked complete",
    CardAction.PROGRESS_RESET: "progress reset",
    CardAction.EMAIL_CHANGED: "email changed",
    CardAction.DELETED: "deleted",
    CardAction.ENROLLED: "enrolled",
    CardAction.UNENROLLED: "unenrolled",
    CardAction.CREATED: "created",
    CardAction.INVITATION_RESENT: "invitation resent",
}


def card_message(card: UserCard, *, note: str = "") -> tuple[str, list[Block]]:
    """The card: who they are, where they are, how they learn, what reached them and
    what was changed; ``note`` confirms the change just made, above it all."""
    user = card.user
    title = f"{user.username} ({user.email})"
    blocks: list[Block] = [header(title[:150])]
    if note:
        blocks.append(section(note))
    blocks.append(section(_profile(card)))
    blocks.extend(section(text) for text in packed([_groups(card), _courses(card)]))
    blocks.extend(section(text) for text in packed([_emails(card), _activity(card)]))
    blocks.append(section(_changes(card)))
    buttons = _buttons(card)
    if buttons:
        blocks.extend([divider(), actions(*buttons, block_id=f"card.{user.id}")])
    return fallback(note or f"The card of {title}"), blocks


def _profile(card: UserCard) -> str:
    user, profile = card.user, card.profile
    name = " ".join(n for n in (profile.first_name, profile.last_name) if n) or "—"
    status = f"*{user.status}*" if user.status is UserStatus.SUSPENDED else f"_{user.status}_"
    tags = listing([escape(t) for t in profile.tags], empty="none", most=20)
    return (
        f"*Username:* {escape(user.username)} · *Name:* {escape(name)}\n"
        f"*Email:* {escape(user.email)} · *Status:* {status}\n"
        f"*Tags:* {tags}\n"
        f"*Created:* {when(profile.created_at)} · *Last sign-in:* {when(user.last_login_at)}"
    )


def _groups(card: UserCard) -> str:
    lines = [
        f"• {escape(g.title)} (#{g.group_id})" + (" · :gear: by rule" if g.by_rule else "")
        for g in card.groups
    ]
    return "*Groups*\n" + ("\n".join(lines) if lines else "none of yours")


def _courses(card: UserCard) -> str:
    lines = []
    for e in card.enrollments:
        done = f" · completed {when(e.completed_at)}" if e.completed_at else ""
        lines.append(f"• {escape(e.course.title)}: {e.progress}%{done}")
    return "*Courses*\n" + ("\n".join(lines) if lines else "not enrolled in any")


def _emails(card: UserCard) -> str:
    lines = [
        f"• {escape(m.subject)} · _{m.trigger}_ · {m.state} · {when(m.sent_at or m.created_at)}"
        for m in card.emails
    ]
    return "*Last emails*\n" + ("\n".join(lines) if lines else "none yet")


def _activity(card: UserCard) -> str:
    lines = [
        f"• {a.type.replace('_', ' ')}"
        + (f" · {escape(a.course)}" if a.course else "")
        + f" · {when(a.occurred_at)}"
        for a in card.activity
    ]
    return "*Recent activity*\n" + ("\n".join(lines) if lines else "none reported")


def _changes(card: UserCard) -> str:
    lines = []
    for c in card.changes:
        words = _CHANGE_WORDS.get(CardAction(c.action), c.action)
        by = f"*{escape(c.by)}*" if c.by else "a deleted user"
        detail = f": {escape(c.detail)}" if c.detail else ""
        lines.append(f"• {words} by {by}, {when(c.at)}{detail}")
    return "*Changes*\n" + ("\n".join(lines) if lines else "none recorded")


def _buttons(card: UserCard) -> list[dict[str, object]]:
    """Only what this caller may do; each click is checked again in the domain."""
    user_id = str(card.user.id)
    shown: list[dict[str, object]] = []
    if Capability.BASIC_USER_ACTIONS in card.may:
        shown.append(button("Edit", Action.EDIT_USER, user_id))
        if card.user.status is UserStatus.SUSPENDED:
            shown.append(button("Reactivate", Action.REACTIVATE_USER, user_id, style="primary"))
        else:
            shown.append(button("Suspend", Action.SUSPEND_USER, user_id, style="danger"))
        if card.user.status is UserStatus.INVITED:
            shown.append(button("Resend invitation", Action.RESEND_USER_INVITE, user_id))
        shown.append(button("Groups", Action.CARD_GROUPS, user_id))
        shown.append(button("Courses", Action.CARD_COURSES, user_id))
    if card.enrollments and Capability.UPDATE_PROGRESS in card.may:
        shown.append(button("Update progress", Action.SET_PROGRESS, user_id))
    if card.enrollments and Capability.ADVANCED_USER_ACTIONS in card.may:
        shown.append(button("Reset progress", Action.RESET_PROGRESS, user_id))
    if Capability.ADVANCED_USER_ACTIONS in card.may:
        shown.append(button("Change email", Action.CHANGE_EMAIL, user_id))
    if Capability.DELETE_USER in card.may:
        shown.append(button("Delete", Action.DELETE_USER, user_id, style="danger"))
    return shown


def card_done(card: UserCard, what: str) -> str:
    """The line confirming a change, shown on top of the updated card."""
    return f":white_check_mark: {what} *{escape(card.user.username)}* ({escape(card.user.email)})."


def edit_modal(card: UserCard, *, reply_to: str = "") -> View:
    """The personal fields, filled in; ``reply_to`` is where the card that opened it
    is shown, so saving updates it there too."""
    profile = card.profile
    blocks = [
        input_block(
            Field.USERNAME,
            "Username",
            text_input(card.user.username, max_length=MAX_USERNAME),
            hint="A name and surname are welcome, in any script.",
        ),
        input_block(
            Field.FIRST_NAME,
            "First name",
            text_input(profile.first_name, max_length=MAX_NAME),
            optional=True,
        ),
        input_block(
            Field.LAST_NAME,
            "Last name",
            text_input(profile.last_name, max_length=MAX_NAME),
            optional=True,
        ),
        input_block(
            Field.TAGS,
            "Tags",
            text_input(", ".join(profile.tags), max_length=MAX_TAGS_TEXT),
            optional=True,
            hint="Comma-separated; repeats are kept once.",
        ),
        context(f"{escape(card.user.email)} · changes are recorded with your name."),
    ]
    metadata = f"{card.user.id}|{reply_to}"
    return modal(Modal.EDIT_USER, "Edit user", blocks, submit="Save", metadata=metadata)


GROUP_CHOICES = 100
"""Slack's most options in a select; other groups are reached with ``/group add``."""

_ADD, _REMOVE = "add", "remove"


def groups_modal(card: UserCard, groups: Sequence[Group], *, reply_to: str = "") -> View:
    """Add the person to one of the caller's groups, or take them out of one; the
    groups they are in already say so."""
    if not groups:
        return _nothing(Modal.CARD_GROUPS, "You have no groups yet: `/group create <name>`.")
    member_of = {g.group_id for g in card.groups}
    picks = [(f"{g.title} (#{g.id})", g.id, g.id in member_of) for g in groups]
    more = len(groups) >= GROUP_CHOICES
    return _pick_and_change(
        card,
        Modal.CARD_GROUPS,
        (Field.CARD_GROUP, "Group", "member"),
        picks,
        ("Add to this group", "Remove from this group"),
        hint="The first 100 of your groups; `/group add` reaches the others." if more else "",
        note="gets the group's courses and emails as when added with `/group add`; "
        "leaving keeps their enrolments.",
        reply_to=reply_to,
    )


def courses_modal(card: UserCard, courses: Sequence[Course], *, reply_to: str = "") -> View:
    """Enrol the person in one course of the caller's groups, or end an enrolment; the
    courses they are in already say so."""
    if not courses:
        text = "Your groups have no courses yet: `/group courses <group> add <course>`."
        return _nothing(Modal.CARD_COURSES, text)
    enrolled = {e.course.id for e in card.enrollments}
    picks = [(c.title, c.id, c.id in enrolled) for c in courses[:GROUP_CHOICES]]
    return _pick_and_change(
        card,
        Modal.CARD_COURSES,
        (Field.CARD_COURSE, "Course", "enrolled"),
        picks,
        ("Enrol in this course", "Unenrol from this course"),
        hint="",
        note="is emailed about a new course as when a group enrols them; unenrolling ends "
        "the enrolment and its progress.",
        reply_to=reply_to,
    )


def _nothing(callback: Modal, text: str) -> View:
    """The form, when the caller has nothing of the kind to offer yet."""
    return modal(callback, "Nothing to pick", [section(text)], submit=None, close="Close")


def _pick_and_change(
    card: UserCard,
    callback: Modal,
    select: tuple[Field, str, str],
    picks: Sequence[tuple[str, int, bool]],
    changes: tuple[str, str],
    *,
    hint: str,
    note: str,
    reply_to: str,
) -> View:
    """One thing to pick (marked where the person already has it) and whether to
    give it or take it away."""
    field, label, mark = select
    options = [
        option(title[:66] + (f" · {mark}" if has else ""), str(value))
        for title, value, has in picks
    ]
    change = [option(changes[0], _ADD), option(changes[1], _REMOVE)]
    user = card.user
    blocks = [
        input_block(field, label, {"type": "static_select", "options": options}, hint=hint),
        input_block(
            Field.GROUP_CHANGE,
            "Change",
            {"type": "radio_buttons", "options": change, "initial_option": change[0]},
        ),
        context(f"{escape(user.username)} ({escape(user.email)}) {note}"),
    ]
    title = label + "s"
    return modal(callback, title, blocks, submit="Save", metadata=f"{user.id}|{reply_to}")


def removing(choice: str) -> bool:
    """Whether a groups or courses form asked to take the person out."""
    return choice == _REMOVE


def membership_done(username: str, email: str, title: str, *, added: bool, before: bool) -> str:
    """The line above the card after the groups form: what changed, or that nothing did."""
    who, group = f"*{escape(username)}* ({escape(email)})", f"*{escape(title)}*"
    if added and before:
        return f":information_source: {who} was already in {group}; nothing changed."
    if added:
        return f":white_check_mark: Added {who} to {group}, with its courses."
    return f":white_check_mark: Removed {who} from {group}; they keep their enrolments."


def enrolment_done(card: UserCard, course: str, *, enrolled: bool) -> str:
    """The line above the card after the courses form."""
    who = f"*{escape(card.user.username)}* ({escape(card.user.email)})"
    if enrolled:
        return f":white_check_mark: Enrolled {who} in *{escape(course)}*, at 0%."
    return f":white_check_mark: Unenrolled {who} from *{escape(course)}*."


def _course_choice(card: UserCard) -> Block:
    choices = [
        option(f"{e.course.title} ({e.progress}%)"[:75], str(e.course.id))
        for e in card.enrollments[:100]
    ]
    element = {"type": "static_select", "options": choices, "initial_option": choices[0]}
    return input_block(Field.COURSE, "Course", element)


def _reason_input() -> Block:
    return input_block(
        Field.REASON,
        "Reason",
        text_input(max_length=MAX_DESCRIPTION, multiline=True),
        hint="Kept in the log with your name.",
    )


def progress_modal(card: UserCard, *, reply_to: str = "") -> View:
    """Set progress in one of their courses, or mark it complete, with a reason."""
    complete = option("Mark the course complete (progress 100%, with the email)", "yes")
    blocks = [
        section(f"Progress of *{escape(card.user.username)}* ({escape(card.user.email)})"),
        _course_choice(card),
        input_block(
            Field.PERCENT,
            "Progress (%)",
            text_input(max_length=4, placeholder="0 to 100"),
            optional=True,
        ),
        input_block(
            Field.COMPLETE, "Complete", {"type": "checkboxes", "options": [complete]}, optional=True
        ),
        _reason_input(),
    ]
    metadata = f"{card.user.id}|{reply_to}"
    return modal(Modal.SET_PROGRESS, "Update progress", blocks, submit="Save", metadata=metadata)


def reset_modal(card: UserCard, *, reply_to: str = "") -> View:
    """Back to 0% in one course; says what goes and what the log keeps."""
    blocks = [
        section(
            f"Reset the progress of *{escape(card.user.username)}* in a course to 0% and "
            "not complete. The log keeps what it was, and progress the course player "
            "reports as having happened before now is ignored."
        ),
        _course_choice(card),
        _reason_input(),
    ]
    metadata = f"{card.user.id}|{reply_to}"
    return modal(Modal.RESET_PROGRESS, "Reset progress", blocks, submit="Reset", metadata=metadata)


def email_modal(card: UserCard, *, reply_to: str = "") -> View:
    """A new address for them; says who is told and what happens to the old one."""
    blocks = [
        section(
            f"Change the email of *{escape(card.user.username)}* "
            f"(now {escape(card.user.email)}). Both addresses are told, they are signed "
            f"out everywhere and sign in with the new one; for {ALIAS_DAYS} days the course "
            "player's reports under the old address still reach them."
        ),
        input_block(Field.EMAIL, "New email", text_input(max_length=254)),
    ]
    metadata = f"{card.user.id}|{reply_to}"
    return modal(Modal.CHANGE_EMAIL, "Change email", blocks, submit="Change", metadata=metadata)


def delete_modal(card: UserCard, *, reply_to: str = "") -> View:
    """The confirmation: what goes and what stays, before anything does."""
    user = card.user
    groups = listing([escape(g.title) for g in card.groups], empty="no group")
    courses = listing([escape(e.course.title) for e in card.enrollments], empty="no course")
    text = (
        f"Delete *{escape(user.username)}* ({escape(user.email)}) from the school?\n"
        f"*Goes:* their memberships ({groups}), enrolments and progress ({courses}), "
        "sign-in sessions, invitation and password links, and personal fields (names, "
        "email, tags).\n"
        "*Stays:* the User action log and the Emails log, where they are shown as a "
        "deleted user. This can't be undone."
    )
    metadata = f"{user.id}|{reply_to}"
    return modal(
        Modal.DELETE_USER, "Delete user", [section(text)], submit="Delete", metadata=metadata
    )


def user_deleted(username: str, email: str) -> str:
    return (
        f":wastebasket: Deleted *{escape(username)}* ({escape(email)}) from the school. "
        "The logs keep their lines as a deleted user."
    )
