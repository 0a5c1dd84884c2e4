"""The Emails log, the notification switches, and resending invitations."""

from __future__ import annotations

from typing import Any

from bot.ids import Action, Field, Modal
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    fallback,
    filter_words,
    header,
    listing,
    packed,
    plain,
    section,
    span_context,
    when,
)
from bot.views.modals import View, input_block, modal
from domain.emails import GroupEmails
from domain.entities import AddMemberOutcome, Group, LoggedEmail, Page, User, UserStatus
from domain.letters import SWITCHABLE, TRIGGER_LABELS, MailState, Trigger
from domain.log_filter import LogFilter

_STATE = {
    "queued": ":hourglass: queued",
    "retrying": ":repeat: retrying",
    "sent": ":white_check_mark: sent",
    "failed": ":x: failed",
}


def _line(email: LoggedEmail) -> str:
    line = (
        f"{_STATE.get(email.state, email.state)} · *{escape(email.subject)}* → "
        f"{escape(email.to)} · _{email.trigger}_ · queued {when(email.created_at)}"
    )
    if email.sent_at:
        line += f" · sent {when(email.sent_at)}"
    elif email.state == "retrying":
        line += f" · next try {when(email.next_attempt_at)}"
    if email.last_error:
        line += f"\n      server said: `{escape(email.last_error[:300])}`"
    return line


def email_report(emails: GroupEmails) -> tuple[str, list[Block]]:
    """A scheduled report of what became of the emails to a group's members."""
    title = f"Emails to {emails.group.title}"
    span = f"from {when(emails.since)} to {when(emails.until)}"
    blocks: list[Block] = [header(title), context(span)]
    if not emails.total:
        blocks.append(section("No emails to the group's members in this period."))
        return fallback(title), blocks
    counts = " · ".join(
        f"{_STATE[state.value]}: *{emails.counts.get(state, 0):,}*" for state in MailState
    )
    blocks.append(section(counts))
    blocks += [section(text) for text in packed([_line(e) for e in emails.troubled])]
    blocks.append(context("Every email: `/group log emails 7d`."))
    return fallback(title), blocks


def email_log(
    page: Page[LoggedEmail], chosen: LogFilter[Trigger], *, waiting: int, smtp: bool
) -> tuple[str, list[Block]]:
    filters = filter_words(chosen, kind="trigger ")
    title = f"Emails ({page.total})" + (f" · {filters}" if filters else "")
    blocks: list[Block] = [header(title), *span_context(chosen.since)]
    if not smtp and waiting:
        blocks.append(
            section(
                f":warning: {waiting} email(s) are waiting: no mail server is set. Set "
                "SMTP_URL and restart Roster; they are sent then, none is lost."
            )
        )
    if not page.items:
        blocks.append(section("No emails match."))
    blocks += [section(text) for text in packed([_line(e) for e in page.items])]
    shown = f"the latest {len(page.items)}" if page.has_next else "all"
    blocks.append(
        context(
            f"Showing {shown}. Filter: `/group log emails [trigger] [since]`, triggers: "
            + ", ".join(f"`{t.value}`" for t in Trigger)
            + "; since: `7d`, `24h` or a date."
        )
    )
    return fallback(title), blocks


def notifications_modal(enabled: frozenset[Trigger]) -> View:
    options: list[dict[str, Any]] = [
        {"text": plain(TRIGGER_LABELS[t]), "value": t.value} for t in SWITCHABLE
    ]
    element: dict[str, Any] = {"type": "checkboxes", "options": options}
    ticked = [o for o in options if Trigger(o["value"]) in enabled]
    if ticked:
        element["initial_options"] = ticked
    blocks = [
        section("Which emails Roster sends, for the whole school."),
        input_block(Field.NOTIFICATIONS, "Send these emails", element, optional=True),
        context(
            "Switched-off emails are not queued at all; the Emails log shows what was sent. "
            "Password links learners ask for on the sign-in page are always sent."
        ),
    ]
    return modal(Modal.NOTIFICATIONS, "Notification emails", blocks, submit="Save")


def notifications_saved(enabled: frozenset[Trigger]) -> str:
    on = [TRIGGER_LABELS[t] for t in SWITCHABLE if t in enabled]
    off = [TRIGGER_LABELS[t] for t in SWITCHABLE if t not in enabled]
    return (
        f":white_check_mark: Sending: {listing(on, empty='nothing')}.\n"
        f"Not sending: {listing(off, empty='nothing')}."
    )


def resent(group: Group, users: list[User]) -> str:
    if not users:
        return (
            f":information_source: Everyone in *{escape(group.title)}* has signed in; "
            "no invitation to resend."
        )
    names = listing([escape(u.email) for u in users], most=10)
    return (
        f":envelope: Sending a new invitation to {len(users)} member(s) of "
        f"*{escape(group.title)}* who never signed in: {names}. `/group log emails` "
        "shows when they go out."
    )


def resend_offer(outcome: AddMemberOutcome) -> list[Block] | None:
    """Someone added again who never signed in probably lost their invitation."""
    user = outcome.user
    if outcome.created_user or user.status is not UserStatus.INVITED or user.last_login_at:
        return None
    return [
        section(f"*{escape(user.email)}* has not signed in yet. Send a new invitation?"),
        actions(
            button(
                "Resend invitation",
                Action.RESEND_INVITE,
                f"{outcome.group.id}:{user.id}",
                style="primary",
            )
        ),
    ]
