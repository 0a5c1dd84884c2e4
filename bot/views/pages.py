"""The learner's web pages: set a password from an invitation, sign in, my courses.

Plain HTML with no script: every value is escaped, and the pages work in any
browser, with a screen reader, and with JavaScript off.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from domain.entities import Enrollment, User
from domain.passwords import MIN_LENGTH, RULE

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


def set_password(school: str, user: User, error: str | None = None) -> str:
    body = (
        f"<p>Welcome, {escape(user.username)} ({escape(user.email)}). Choose a password to "
        f"finish joining.</p><p>{escape(RULE)}</p>{_error(error)}"
        '<form method="post">'
        '<label for="password">New password</label>'
        f'<input id="password" name="password" type="password" minlength="{MIN_LENGTH}" '
        'autocomplete="new-password" required>'
        '<label for="confirm">The same password again</label>'
        f'<input id="confirm" name="confirm" type="password" minlength="{MIN_LENGTH}" '
        'autocomplete="new-password" required>'
        '<button type="submit">Set password and sign in</button></form>'
    )
    return page("Set your password", school, body)


def link_not_usable(school: str, state: str) -> str:
    reasons = {
        "used": "This invitation link was already used. If you set your password, "
        '<a href="/login">sign in</a>; if not, ask your school for a new invitation.',
        "expired": "This invitation link has expired. Ask your group manager or school "
        "admin for a new invitation; the new email will have a fresh link.",
        "unknown": "This invitation link is not valid: it may have been cut or changed on "
        "the way. Open the link from the email again, or ask for a new invitation.",
    }
    return page("This link can't be used", school, f"<p>{reasons[state]}</p>")


def sign_in(school: str, email: str = "", error: str | None = None) -> str:
    body = (
        f"{_error(error)}"
        '<form method="post">'
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="email" value="{escape(email, quote=True)}" '
        'autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )
    return page("Sign in", school, body)


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
