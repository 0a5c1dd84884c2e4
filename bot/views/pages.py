"""The learner's web pages: set a password from an emailed link, sign in, ask for a
new password, my courses.

Plain HTML with no script: every value is escaped, and the pages work in any
browser, with a screen reader, and with JavaScript off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from domain.entities import Enrollment, LinkPurpose, User
from domain.invitations import LinkState
from domain.passwords import MIN_LENGTH, RULE
from domain.throttle import Scope

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;"
    "font-size:1rem}button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}"
    ".error{color:#a00;border-left:4px solid #a00;padding-left:.75rem}"
)


def page(title: str, school: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {escape(school)}</title><style>{_STYLE}</style></head>"
        f"<body><p>{escape(school)}</p><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>' if message else ""


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
    intro = "Choose a password to finish joining." if invited else "Choose a new password."
    after = "" if invited else " Saving it signs you out everywhere else."
    body = (
        f"<p>{'Welcome, ' if invited else ''}{escape(user.username)} ({escape(user.email)}). "
        f"{intro}{after}</p><p>{escape(RULE)}</p>{_error(error)}"
        '<form method="post">'
        '<label for="password">New password</label>'
        f'<input id="password" name="password" type="password" minlength="{MIN_LENGTH}" '
        'autocomplete="new-password" required>'
        '<label for="confirm">The same password again</label>'
        f'<input id="confirm" name="confirm" type="password" minlength="{MIN_LENGTH}" '
        'autocomplete="new-password" required>'
        f'<button type="submit">{"Set password" if invited else "Save it"} and sign in</button>'
        "</form>"
    )
    return page("Set your password" if invited else "Choose a new password", school, body)


_ASK_AGAIN = '<a href="/forgot">ask for a new link</a>'


def link_not_usable(school: str, state: LinkState, purpose: LinkPurpose) -> str:
    link = "invitation link" if purpose is LinkPurpose.INVITATION else "password link"
    reasons = {
        LinkState.USED: f"This {link} was already used, or a password was set with a newer "
        'one since. If you know your password, <a href="/login">sign in</a>; if not, '
        f"{_ASK_AGAIN}.",
        LinkState.EXPIRED: f"This {link} has expired. You can {_ASK_AGAIN} by email; it "
        "will have a fresh link.",
        LinkState.UNKNOWN: f"This {link} is not valid: it may have been cut or changed on "
        f"the way. Open the link from the email again, or {_ASK_AGAIN}.",
    }
    return page("This link can't be used", school, f"<p>{reasons[state]}</p>")


def sign_in(school: str, email: str = "", error: str | None = None) -> str:
    body = (
        f"{_error(error)}"
        '<form method="post" action="/login">'
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="email" value="{escape(email, quote=True)}" '
        'autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
        '<p><a href="/forgot">Forgot your password?</a></p>'
    )
    return page("Sign in", school, body)


def forgot(school: str, email: str = "", error: str | None = None) -> str:
    body = (
        "<p>Type the email your school has for you. We will send a link to choose a new "
        f"password (or, if you never chose one, to set it).</p>{_error(error)}"
        '<form method="post" action="/forgot">'
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="email" value="{escape(email, quote=True)}" '
        'autocomplete="username" required>'
        '<button type="submit">Send me a link</button></form>'
        '<p><a href="/login">Back to sign in</a></p>'
    )
    return page("Forgot your password?", school, body)


def forgot_sent(school: str, email: str) -> str:
    """The same words whether or not the address belongs to anyone."""
    body = (
        f"<p>If <strong>{escape(email)}</strong> is the address of a learner at "
        f"{escape(school)}, an email with a link is on its way. The link works once, for "
        "an hour.</p><p>Nothing after a few minutes? Check your spam folder and that the "
        "address is the one your school has, or ask your school. "
        '<a href="/login">Back to sign in</a></p>'
    )
    return page("Check your email", school, body)


def my_courses(school: str, user: User, enrollments: Sequence[Enrollment]) -> str:
    if enrollments:
        items = "".join(
            f"<li>{escape(e.course.title)}: "
            + ("completed" if e.completed_at else f"{e.progress}% done")
            + "</li>"
            for e in enrollments
        )
        courses = f"<h2>Your courses</h2><ul>{items}</ul>"
    else:
        courses = "<p>You are not enrolled in any course yet.</p>"
    body = (
        f"<p>Signed in as <strong>{escape(user.username)}</strong> ({escape(user.email)}).</p>"
        f'{courses}<form method="post" action="/logout"><button>Sign out</button></form>'
    )
    return page(f"Hello, {user.username}", school, body)
