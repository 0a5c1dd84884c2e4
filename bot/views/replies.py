"""Short answers that say exactly what changed, or why nothing did."""

from __future__ import annotations

from bot.ids import Action
from bot.views.blocks import Block, actions, button, context, escape, listing, packed, section
from domain.entities import AddMemberOutcome, Course, Group, User

MAX_SECTIONS = 45


def _titles(courses: tuple[Course, ...] | list[Course]) -> str:
    return listing([f"*{escape(c.title)}*" for c in courses], most=10)


def member_added(outcome: AddMemberOutcome) -> str:
    user, group = outcome.user, escape(outcome.group.title)
    who = f"*{escape(user.username)}* ({escape(user.email)})"
    if outcome.already_member:
        return f":information_source: {who} is already a member of *{group}*; nothing changed."
    lines = [
        f":white_check_mark: Added {who} to *{group}*.",
        "• New school user, status _invited_."
        if outcome.created_user
        else f"• Existing school user (status _{user.status}_).",
    ]
    if outcome.enrolled:
        lines.append(f"• Enrolled in {_titles(outcome.enrolled)}.")
    if outcome.already_enrolled:
        lines.append(f"• Already enrolled in {_titles(outcome.already_enrolled)}.")
    if not outcome.group.courses:
        lines.append("• The group has no courses, so no enrolments.")
    return "\n".join(lines)


def member_removed(group: Group, user: User) -> str:
    return (
        f":white_check_mark: Removed *{escape(user.username)}* ({escape(user.email)}) from "
        f"*{escape(group.title)}*. They stay a school user, with their enrolments."
    )


def group_created(group: Group) -> str:
    extra = []
    if group.courses:
        extra.append(f"courses: {_titles(group.courses)}")
    if group.managers:
        extra.append("managers: " + listing([f"<@{m.slack_user_id}>" for m in group.managers]))
    if group.seat_limit:
        extra.append(f"{group.seat_limit} seats")
    details = f" ({'; '.join(extra)})" if extra else ""
    return (
        f":white_check_mark: Created *{escape(group.title)}* `#{group.id}`{details}. "
        f"Add members with `/group add #{group.id} <email>`."
    )


def renamed(old_title: str, group: Group) -> str:
    return f":white_check_mark: Renamed *{escape(old_title)}* to *{escape(group.title)}*."


def courses_changed(group: Group, course: Course, *, added: bool, changed: bool) -> str:
    title, name = escape(group.title), escape(course.title)
    if not changed:
        state = "already includes" if added else "does not include"
        return f":information_source: *{title}* {state} *{name}*; nothing changed."
    verb = "now includes" if added else "no longer includes"
    note = (
        " New members are enrolled in it; current members keep their enrolments."
        if added
        else " Members keep their enrolments."
    )
    return f":white_check_mark: *{title}* {verb} *{name}*.{note}"


def courses_set(group: Group) -> str:
    return f":white_check_mark: *{escape(group.title)}* includes {_titles(group.courses)}."


def managers_changed(group: Group, slack_user_id: str, *, added: bool, changed: bool) -> str:
    title = escape(group.title)
    if not changed:
        state = "already manages" if added else "does not manage"
        return f":information_source: <@{slack_user_id}> {state} *{title}*; nothing changed."
    verb = "now manages" if added else "no longer manages"
    return f":white_check_mark: <@{slack_user_id}> {verb} *{title}*."


def managers_set(group: Group) -> str:
    names = listing([f"<@{m.slack_user_id}>" for m in group.managers])
    return f":white_check_mark: Managers of *{escape(group.title)}*: {names}."


def deleted(title: str, members: int) -> str:
    return f":wastebasket: Deleted *{escape(title)}*. Its {members} member(s) stay school users."


def delete_question(group: Group) -> tuple[str, list[Block]]:
    text = (
        f"Delete *{escape(group.title)}* `#{group.id}`? Its {group.member_count} member(s) stay "
        "school users; only the group and its memberships go."
    )
    confirm = {
        "title": {"type": "plain_text", "text": "Delete this group?"},
        "text": {"type": "mrkdwn", "text": f"*{escape(group.title)}* will be deleted."},
        "confirm": {"type": "plain_text", "text": "Delete"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    blocks = [
        section(text),
        actions(
            button(
                "Delete group",
                Action.DELETE_CONFIRMED,
                str(group.id),
                style="danger",
                confirm=confirm,
            ),
            button("Cancel", Action.DELETE_CANCELLED, str(group.id)),
        ),
    ]
    return text, blocks


def course_created(course: Course) -> str:
    return f":white_check_mark: Added *{escape(course.title)}* `#{course.id}` to the catalogue."


def catalogue(courses: list[Course]) -> tuple[str, list[Block]]:
    if not courses:
        return "The catalogue is empty.", [
            section("The catalogue is empty. Admins add courses with `/group course new <title>`.")
        ]
    lines = [f"• *{escape(c.title)}* `#{c.id}`" for c in courses]
    title = f"Course catalogue ({len(courses)})"
    texts = packed(lines)
    blocks = [section(f"*{title}*"), *(section(t) for t in texts[:MAX_SECTIONS])]
    if len(texts) > MAX_SECTIONS:
        blocks.append(context("The list goes on; name a course by its title or `#id`."))
    return title, blocks


def template_comment(columns: tuple[str, ...]) -> str:
    return (
        f"The bulk-add template. Columns: {', '.join(columns)}. Fill in the Users sheet "
        "(tips are on the Instructions sheet) and keep the header exactly as it is."
    )


def template_shared(where: str, asked_in: str) -> str:
    if where == asked_in:
        return ":page_facing_up: The template is in this conversation."
    return (
        ":page_facing_up: I'm not in this channel, so the template is in our direct "
        "message. Invite me here (`/invite @Roster`) to get files in the channel."
    )


def school_zone(zone: str, *, changed: bool) -> str:
    """The school's time zone, as set or as it stands."""
    uses = (
        "Days start at its midnight for `7d` and dates in logs, files show its times, and "
        "a schedule whose creator's zone Slack doesn't know runs on it. Slack messages "
        "show each reader their own time."
    )
    if changed:
        return f":white_check_mark: The school's time zone is now *{zone}*. {uses}"
    return (
        f"The school's time zone is *{zone}*. {uses} An admin changes it with "
        "`/group timezone Europe/Madrid`."
    )


def import_enrol_setting(allowed: bool) -> str:
    if allowed:
        return (
            ":white_check_mark: Approvers of bulk imports can now choose to enrol the people "
            "in the group's courses."
        )
    return ":white_check_mark: Bulk imports no longer enrol anyone in courses."


def certificate_award(course: Course, award: bool) -> str:
    if award:
        return (
            f":trophy: Completing *{escape(course.title)}* now earns a certificate from "
            "Roster, with its own verification page."
        )
    return (
        f"Completing *{escape(course.title)}* no longer earns a certificate from Roster; "
        "those already issued stay valid."
    )
