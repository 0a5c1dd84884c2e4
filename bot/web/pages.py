"""Routes of the learner's pages. Links come from PUBLIC_BASE_URL, never a request's Host."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.services import Services
from bot.views import pages
from domain.errors import InvalidInput
from domain.invitations import (
    LinkNotUsable,
    LinkState,
    SignedIn,
    SignInFailed,
    TooManyAttempts,
)

COOKIE = "roster_session"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(app: web.Application, services: Services, *, base_url: str, school: str) -> None:
    invitations = services.invitations
    secure = base_url.startswith("https://")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))

    def html(text: str, status: int = 200) -> web.Response:
        return web.Response(text=text, status=status, content_type="text/html")

    def signed_in(outcome: SignedIn) -> web.Response:
        response = _see_other("/me")
        response.set_cookie(
            COOKIE,
            outcome.session_token,
            httponly=True,
            samesite="Lax",
            secure=secure,
            path="/",
            max_age=14 * 24 * 3600,
        )
        return response

    def same_origin(request: web.Request) -> None:
        """A form posted from another site is refused (cookies are SameSite=Lax too)."""
        sent = request.headers.get("Origin")
        if sent and sent != origin:
            raise web.HTTPForbidden(text="This form can only be sent from the school's own page.")

    async def invite_form(request: web.Request) -> web.StreamResponse:
        state, user = await invitations.state(request.match_info["token"])
        if state is not LinkState.VALID or user is None:
            return html(pages.link_not_usable(school, state), status=410)
        return html(pages.set_password(school, user))

    async def invite_submit(request: web.Request) -> web.StreamResponse:
        same_origin(request)
        token = request.match_info["token"]
        form = await request.post()
        try:
            outcome = await invitations.accept(
                token, str(form.get("password", "")), str(form.get("confirm", ""))
            )
        except LinkNotUsable as error:
            return html(pages.link_not_usable(school, error.state), status=410)
        except InvalidInput as error:
            _, user = await invitations.state(token)
            assert user is not None
            return html(pages.set_password(school, user, f"Not saved: {error.message}"), 400)
        return signed_in(outcome)

    async def login_form(request: web.Request) -> web.StreamResponse:
        return html(pages.sign_in(school))

    async def login_submit(request: web.Request) -> web.StreamResponse:
        same_origin(request)
        form = await request.post()
        email = str(form.get("email", ""))
        try:
            outcome = await invitations.sign_in(email, str(form.get("password", "")))
        except TooManyAttempts as paused:
            wait = (
                f"Too many wrong passwords for this email. Wait {paused.minutes} minute(s) "
                "and try again, or ask your school for a new invitation to set a new one."
            )
            return html(pages.sign_in(school, email, wait), status=429)
        except SignInFailed:
            wrong = (
                "The email or the password is wrong. If you never set a password, use the "
                "link in your invitation email, or ask your school for a new one."
            )
            return html(pages.sign_in(school, email, wrong), status=401)
        return signed_in(outcome)

    async def me(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")
        user = await invitations.session_user(token) if token else None
        if user is None:
            return _see_other("/login")
        return html(pages.my_courses(school, user, await invitations.my_courses(user)))

    async def logout(request: web.Request) -> web.StreamResponse:
        same_origin(request)
        response = _see_other("/login")
        response.del_cookie(COOKIE, path="/")
        return response

    app.router.add_get("/invite/{token}", invite_form)
    app.router.add_post("/invite/{token}", invite_submit)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login_submit)
    app.router.add_get("/me", me)
    app.router.add_post("/logout", logout)
    app.middlewares.append(_page_headers)


def _see_other(path: str) -> web.Response:
    """A relative Location: the redirect never repeats a Host the request claimed."""
    return web.Response(status=303, headers={"Location": path})


@web.middleware
async def _page_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Referrers only to our own pages (invitation tokens are in URLs; and a browser
    sends ``Origin: null`` on a same-origin post under ``no-referrer``, which the
    origin check must refuse), no framing, no caching, no scripts."""
    response = await handler(request)
    if request.path.startswith(("/invite/", "/login", "/me", "/logout")):
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'"
        )
    return response
