"""Which emails Roster sends, and what they say.

Emails are decided here as plain records and written to the outbox in the
same transaction as the change that causes them; a worker delivers them
later. An invitation's link is not in the stored body: the token is minted
when the email is sent, so the database only ever holds its hash.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.entities import Course, Group, User

INVITE_LINK = "\x1einvite-link\x1e"
"""Stands for the invitation link until sending; user input can hold no control character."""

RESET_LINK = "\x1ereset-link\x1e"
"""Stands for a password-reset link until sending, like :data:`INVITE_LINK`."""


class Trigger(StrEnum):
    INVITATION = "invitation"
    COURSE_ENROLLMENT = "course_enrollment"
    COURSE_COMPLETION = "course_completion"
    SEAT_ENROLLMENT = "seat_enrollment"
    MEMBERSHIP_ADDED = "membership_added"
    PASSWORD_RESET = "password_reset"
    SLACK_REMOVED = "slack_removed"
    MANAGER_PAUSED = "manager_paused"
    MANAGER_RESTORED = "manager_restored"
    GRADE_RELEASED = "grade_released"
    EMAIL_CHANGED = "email_changed"


TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.INVITATION: "Invitation to set a password",
    Trigger.COURSE_ENROLLMENT: "Course enrollment",
    Trigger.COURSE_COMPLETION: "Course completion",
    Trigger.SEAT_ENROLLMENT: "Seat enrollment (joining a group with a seat limit)",
    Trigger.MEMBERSHIP_ADDED: "Added to a group",
    Trigger.PASSWORD_RESET: "Password link a learner asked for (always sent)",
    Trigger.SLACK_REMOVED: "Roster removed from Slack, to admins (always sent)",
    Trigger.MANAGER_PAUSED: "A manager's Slack account deactivated, to admins (always sent)",
    Trigger.MANAGER_RESTORED: "A manager's Slack account back, to admins (always sent)",
    Trigger.GRADE_RELEASED: "A grade and its feedback, to the learner",
    Trigger.EMAIL_CHANGED: "A learner's email changed, to the old and new address (always sent)",
}

ALWAYS_SENT = frozenset(
    {
        Trigger.PASSWORD_RESET,
        Trigger.SLACK_REMOVED,
        Trigger.MANAGER_PAUSED,
        Trigger.MANAGER_RESTORED,
        Trigger.EMAIL_CHANGED,
    }
)
SWITCHABLE: tuple[Trigger, ...] = tuple(t for t in Trigger if t not in ALWAYS_SENT)
"""The notifications an admin may switch off. A password link is a security email
the learner asked for: switching it off would only lock people out. The admins'
notices about Slack are how they learn Roster can no longer reach them there."""


class MailState(StrEnum):
    QUEUED = "queued"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"


class Layout(StrEnum):
    ACTION = "action"
    """A greeting, what happened, and a link to act on it."""
    NOTICE = "notice"
    """A greeting and what happened, nothing to click (to an admin)."""


@dataclass(frozen=True, slots=True)
class Letter:
    """An email's body as its layout and the few values that fill it. The outbox keeps
    these, not the text and HTML: a bulk import queues one per person, and the bodies
    would be most of what it writes. They are rendered when the email is read to be
    sent (or shown in the Emails log)."""

    layout: Layout
    name: str
    body: str
    school: str
    action: str = ""
    link: str = ""

    @property
    def text(self) -> str:
        if self.layout is Layout.NOTICE:
            return _NOTICE_TEXT.format(name=self.name, body=self.body, school=self.school)
        return _TEXT.format(
            name=self.name, body=self.body, action=self.action, link=self.link, school=self.school
        )

    @property
    def html(self) -> str:
        escaped = {
            "name": html.escape(self.name),
            "body": html.escape(self.body).replace("\n", "<br>"),
            "school": html.escape(self.school),
        }
        if self.layout is Layout.NOTICE:
            return _NOTICE_HTML.format(**escaped)
        link = html.escape(self.link, quote=True)
        return _HTML.format(**escaped, action=html.escape(self.action), link=link)

    def values(self) -> dict[str, str]:
        """What the outbox stores besides the layout."""
        return {
            "name": self.name,
            "body": self.body,
            "school": self.school,
            "action": self.action,
            "link": self.link,
        }

    @classmethod
    def stored(cls, layout: str, values: Mapping[str, str]) -> Letter:
        return cls(
            Layout(layout),
            values["name"],
            values["body"],
            values["school"],
            values.get("action", ""),
            values.get("link", ""),
        )


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    letter: Letter
    trigger: Trigger
    user_id: int | None = None

    def __post_init__(self) -> None:
        """A header with a line break could smuggle in headers of its own."""
        for header in (self.to, self.subject):
            if "\r" in header or "\n" in header:
                raise ValueError("a line break in a mail header")

    @property
    def text(self) -> str:
        return self.letter.text

    @property
    def html(self) -> str:
        return self.letter.html


_TEXT = "Hello {name},\n\n{body}\n\n{action}: {link}\n\n-- \n{school}\n"

_HTML = """<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {name},</p>
<p>{body}</p>
<p><a href="{link}">{action}</a></p>
<p style="color: #666">&mdash; {school}</p>
</body></html>
"""
"""Filled with ``str.format`` (values are never re-read as templates): a bulk
import writes one of these per person, and ``string.Template`` costs ten times
as much."""

_NOTICE_TEXT = "Hello {name},\n\n{body}\n\n-- \n{school}\n"
_NOTICE_HTML = """<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {name},</p>
<p>{body}</p>
<p style="color: #666">&mdash; {school}</p>
</body></html>
"""
"""A notice to an admin: what happened and what to do, with nothing to click."""


@dataclass(frozen=True)
class Letters:
    """Writes the school's emails; ``base_url`` is configured, never a request's Host."""

    school: str
    base_url: str

    def _email(
        self, user: User, trigger: Trigger, subject: str, body: str, action: str, link: str
    ) -> OutgoingEmail:
        letter = Letter(Layout.ACTION, user.username, body, self.school, action, link)
        return OutgoingEmail(user.email, subject, letter, trigger, user.id)

    def invitation(self, user: User, group: Group, courses: Sequence[Course]) -> OutgoingEmail:
        body = f"You have been added to {group.title} at {self.school}." + _courses(courses)
        body += "\nChoose a password to start learning; the link works once, for a limited time."
        return self._email(
            user,
            Trigger.INVITATION,
            f"You're invited to {self.school}",
            body,
            "Set your password",
            INVITE_LINK,
        )

    def school_invitation(self, user: User) -> OutgoingEmail:
        """For someone an admin adds to the school before any group."""
        body = (
            f"You have been added to {self.school}.\nChoose a password to start learning; "
            "the link works once, for a limited time."
        )
        return self._email(
            user,
            Trigger.INVITATION,
            f"You're invited to {self.school}",
            body,
            "Set your password",
            INVITE_LINK,
        )

    def added_to_group(self, user: User, group: Group) -> OutgoingEmail:
        limited = group.seat_limit is not None
        trigger = Trigger.SEAT_ENROLLMENT if limited else Trigger.MEMBERSHIP_ADDED
        body = f"You now have a seat in {group.title}." if limited else ""
        body = body or f"You have been added to {group.title}."
        return self._email(
            user, trigger, f"{self.school}: {group.title}", body, "Sign in", self._login
        )

    def enrolled(self, user: User, courses: Sequence[Course]) -> OutgoingEmail:
        return self._email(
            user,
            Trigger.COURSE_ENROLLMENT,
            f"{self.school}: new courses for you",
            "You are enrolled." + _courses(courses),
            "Sign in",
            self._login,
        )

    def completed(self, user: User, course: Course) -> OutgoingEmail:
        return self._email(
            user,
            Trigger.COURSE_COMPLETION,
            f"{self.school}: you completed {course.title}",
            f"Congratulations on completing {course.title}!",
            "See your courses",
            self._login,
        )

    def grade_released(
        self, user: User, *, course: str, assessment: str, score: str, feedback: str
    ) -> OutgoingEmail:
        """``score`` as the learner reads it, e.g. "8 of 10 (passed)"."""
        body = f"Your {assessment} in {course} was graded: {score}."
        if feedback:
            body += f"\n\nFeedback from your grader:\n{feedback}"
        return self._email(
            user,
            Trigger.GRADE_RELEASED,
            f"{self.school}: your grade in {assessment}",
            body,
            "See your grades",
            self._login,
        )

    def email_changed(self, user: User, old: str) -> list[OutgoingEmail]:
        """Both addresses hear of it: the old one in case it was not the person's wish,
        the new one so they know to sign in with it."""
        body = (
            f"The email address of your account at {self.school} changed from {old} to "
            f"{user.email}. Sign in with {user.email} from now on; you were signed out "
            "everywhere.\nIf you did not ask for this, tell your school."
        )
        subject = f"{self.school}: your email address changed"
        new = self._email(user, Trigger.EMAIL_CHANGED, subject, body, "Sign in", self._login)
        return [new, replace(new, to=old)]

    def password_reset(self, user: User) -> OutgoingEmail:
        body = (
            f"Someone, hopefully you, asked for a new password for {user.email} at "
            f"{self.school}. The link works once, for an hour; using it signs you out "
            "everywhere else.\nIf it wasn't you, ignore this email: your password stays "
            "as it is."
        )
        return self._email(
            user,
            Trigger.PASSWORD_RESET,
            f"{self.school}: choose a new password",
            body,
            "Choose a new password",
            RESET_LINK,
        )

    def new_invitation_link(self, user: User) -> OutgoingEmail:
        """For someone who asks to reset a password they never set: the invitation
        they lost, again."""
        body = (
            f"You asked for a way into {self.school}, and you have not chosen a password "
            "yet. Choose one with this link; it works once, for a limited time.\n"
            "If it wasn't you, ignore this email."
        )
        return self._email(
            user,
            Trigger.PASSWORD_RESET,
            f"{self.school}: your link to set a password",
            body,
            "Set your password",
            INVITE_LINK,
        )

    def slack_removed(self, admin: User, reason: str) -> OutgoingEmail:
        """To an admin: Slack told Roster it was uninstalled or its token revoked."""
        what = {
            "app_uninstalled": "Roster was uninstalled from your Slack workspace",
            "tokens_revoked": "Roster's Slack token was revoked",
        }.get(reason, "Slack stopped accepting Roster's token")
        body = (
            f"{what}, so Roster no longer posts anything in Slack: bulk jobs wait, "
            "progress and summaries are not posted, and commands do not reach it.\n"
            "Nothing is lost. Reinstall the app from its Slack settings page and give "
            "Roster the new bot token (SLACK_BOT_TOKEN, then restart it); Roster carries on "
            "by itself once Slack takes its token again."
        )
        subject = f"{self.school}: Roster was disconnected from Slack"
        return self._notice(admin, Trigger.SLACK_REMOVED, subject, body)

    def manager_paused(
        self, admin: User, manager: User, groups: Sequence[str], *, restored: bool
    ) -> OutgoingEmail:
        """To an admin: a manager's (or admin's) Slack account was deactivated, or is
        back, so their roles in Roster are paused, or work again."""
        managed = ", ".join(groups) if groups else "no groups"
        if restored:
            subject = f"{self.school}: {manager.email} is active in Slack again"
            body = (
                f"The Slack account of {manager.username} ({manager.email}) was reactivated, "
                f"so their roles in Roster work again (they manage {managed})."
            )
        else:
            subject = f"{self.school}: {manager.email} was deactivated in Slack"
            body = (
                f"The Slack account of {manager.username} ({manager.email}) was deactivated, "
                f"so their roles in Roster are paused: they stay on record as managers of "
                f"{managed}, but may do nothing until the account is reactivated. To hand "
                "their groups to someone else, use /group managers."
            )
        trigger = Trigger.MANAGER_RESTORED if restored else Trigger.MANAGER_PAUSED
        return self._notice(admin, trigger, subject, body)

    def _notice(self, admin: User, trigger: Trigger, subject: str, body: str) -> OutgoingEmail:
        letter = Letter(Layout.NOTICE, admin.username, body, self.school)
        return OutgoingEmail(admin.email, subject, letter, trigger, admin.id)

    @property
    def _login(self) -> str:
        return f"{self.base_url}/login"


def _courses(courses: Sequence[Course]) -> str:
    if not courses:
        return ""
    return "\nYour courses: " + ", ".join(c.title for c in courses) + "."
