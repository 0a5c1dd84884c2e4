"""The learner's web pages: set a password from an emailed link, sign in, ask for a
new password, my courses.

Plain HTML with no script, from Jinja2 templates in ``templates/pages`` with
autoescape on: every value is escaped, and the pages work in any browser, with
a screen reader, and with JavaScript off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from domain.accounts import LinkState
from domain.certificates.model import Certificate
from domain.entities import Enrollment, LinkPurpose, Scope, User
from domain.grading.model import Submission, score_words
from domain.passwords import MIN_LENGTH, RULE

_PAGES = Environment(
    loader=PackageLoader("bot.views", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
"""Autoescaped: every value a template shows is escaped, whoever typed it."""


def _render(template: str, title: str, school: str, **values: object) -> str:
    return _PAGES.get_template(f"pages/{template}.html").render(
        title=title, school=school, error=values.pop("error", None), **values
    )


def render_page(template: str, title: str, school: str, **values: object) -> str:
    """A page of another feature (a certificate's verification), in the same frame."""
    return _render(template, title, school, **values)


WRONG_PASSWORD = (
    "The email or the password is wrong. Forgot your password? Use the link below to get "
    "a new one by email. Never set one? Use the link in your invitation email."
)
BUSY = "Roster is checking many passwords right now. Wait a few seconds and send this again."


def wait_words(seconds: int) -> str:
    """45 seconds, 1 minute, 15 minutes: rounded up, never to zero."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def paused(scope: Scope, seconds: int) -> str:
    """Every refusal says how long to wait, and what to do instead."""
    wait = wait_words(seconds)
    reasons = {
        Scope.EMAIL: f"Too many wrong passwords for this email. Wait {wait} and try again, "
        'or get a new password by email with "Forgot your password?" below.',
        Scope.BROWSER: f"Too many wrong passwords from this browser. Wait {wait} and try "
        'again, or get a new password by email with "Forgot your password?" below.',
        Scope.CLIENT: f"Too many sign-in attempts from your network. Wait {wait} and try "
        'again; if you forgot your password, use "Forgot your password?" below.',
        Scope.LINK_EMAIL: "A link was already sent to this address several times. Check your "
        f"inbox and spam folder; to ask again, wait {wait}.",
        Scope.LINK_CLIENT: f"Too many requests from your network. Wait {wait} and try again.",
        Scope.VERIFY_CLIENT: f"Too many certificate lookups from your network. Wait {wait} "
        "and try again.",
    }
    return reasons[scope]


def set_password(
    school: str,
    user: User,
    error: str | None = None,
    *,
    purpose: LinkPurpose = LinkPurpose.INVITATION,
) -> str:
    invited = purpose is LinkPurpose.INVITATION
    title = "Set your password" if invited else "Choose a new password"
    return _render(
        "set_password",
        title,
        school,
        error=error,
        user=user,
        invited=invited,
        rule=RULE,
        min_length=MIN_LENGTH,
    )


def link_not_usable(school: str, state: LinkState, purpose: LinkPurpose) -> str:
    link = "invitation link" if purpose is LinkPurpose.INVITATION else "password link"
    return _render("link_not_usable", "This link can't be used", school, state=state, link=link)


def sign_in(school: str, email: str = "", error: str | None = None) -> str:
    return _render("sign_in", "Sign in", school, email=email, error=error)


def forgot(school: str, email: str = "", error: str | None = None) -> str:
    return _render("forgot", "Forgot your password?", school, email=email, error=error)


def forgot_sent(school: str, email: str) -> str:
    """The same words whether or not the address belongs to anyone."""
    return _render("forgot_sent", "Check your email", school, email=email)


def my_courses(
    school: str,
    user: User,
    enrollments: Sequence[Enrollment],
    grades: Sequence[Submission] = (),
    certificates: Sequence[Certificate] = (),
    now: datetime | None = None,
    base_url: str = "",
) -> str:
    """Their courses, the grades they were given, and their certificates with links."""
    moment = now or datetime.now(UTC)
    return _render(
        "my_courses",
        f"Hello, {user.username}",
        school,
        user=user,
        enrollments=enrollments,
        grades=[(g, score_words(g)) for g in grades],
        certificates=[
            (c, c.status(moment)[0].value, f"{base_url}/verify/{c.code}") for c in certificates
        ],
    )
