"""Routes of the learner's pages. Links come from PUBLIC_BASE_URL, never a request's Host."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit

from aiohttp import web

from bot.services import Services
from bot.settings import Network
from bot.views import learner_pages as pages
from bot.web.clients import client_address
from domain.accounts import (
    BROWSER_DAYS,
    SESSION_DAYS,
    LinkNotUsable,
    LinkState,
    SignedIn,
    SignInFailed,
)
from domain.entities import LinkPurpose
from domain.errors import InvalidInput
from domain.passwords import HasherBusy
from domain.throttle import TooManyAttempts

COOKIE = "roster_session"
BROWSER_COOKIE = "roster_browser"
"""Marks a browser that signed in to an account before; see domain/throttle.py."""
LINK_PATHS = {LinkPurpose.INVITATION: "invite", LinkPurpose.RESET: "reset"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(
    app: web.Application,
    services: Services,
    *,
    base_url: str,
    school: str,
    trusted_proxies: Collection[Network] = (),
) -> None:
    invitations = services.accounts
    secure = base_url.startswith("https://")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))

    def html(text: str, status: int = 200, wait: int | None = None) -> web.Response:
        headers = {"Retry-After": str(wait)} if wait is not None else None
        return web.Response(text=text, status=status, content_type="text/html", headers=headers)

    def signed_in(outcome: SignedIn) -> web.Response:
        response = _see_other("/me")
        cookies = (
            (COOKIE, outcome.session_token, SESSION_DAYS),
            (BROWSER_COOKIE, outcome.browser_token, BROWSER_DAYS),
        )
        for name, value, days in cookies:
            response.set_cookie(
                name,
                value,
                httponly=True,
                samesite="Lax",
                secure=secure,
                path="/",
                max_age=days * 24 * 3600,
            )
        return response

    def same_origin(request: web.Request) -> None:
        """A form posted from another site is refused (cookies are SameSite=Lax too)."""
        sent = request.headers.get("Origin")
        if sent and sent != origin:
            raise web.HTTPForbidden(text="This form can only be sent from the school's own page.")

    def client(request: web.Request) -> str:
        return client_address(request, trusted_proxies)

    def link_routes(purpose: LinkPurpose) -> tuple[Handler, Handler]:
        async def form(request: web.Request) -> web.StreamResponse:
            state, user = await invitations.state(request.match_info["token"], purpose)
            if user is None or state is not LinkState.VALID:
                return html(pages.link_not_usable(school, state, purpose), status=410)
            return html(pages.set_password(school, user, purpose=purpose))

        async def submit(request: web.Request) -> web.StreamResponse:
            same_origin(request)
            token = request.match_info["token"]
            form = await request.post()
            try:
                outcome = await invitations.accept(
                    token,
                    str(form.get("password", "")),
                    str(form.get("confirm", "")),
                    purpose=purpose,
                    browser=request.cookies.get(BROWSER_COOKIE),
                )
            except LinkNotUsable as error:
                return html(pages.link_not_usable(school, error.state, purpose), status=410)
            except InvalidInput as error:
                _, user = await invitations.state(token, purpose)
                assert user is not None
                problem = f"Not saved: {error.message}"
                return html(pages.set_password(school, user, problem, purpose=purpose), 400)
            except HasherBusy as busy:
                _, user = await invitations.state(token, purpose)
                assert user is not None
                page = pages.set_password(school, user, pages.BUSY, purpose=purpose)
                return html(page, 503, busy.seconds)
            return signed_in(outcome)

        return form, submit

    async def login_form(request: web.Request) -> web.StreamResponse:
        return html(pages.sign_in(school))

    async def login_submit(request: web.Request) -> web.StreamResponse:
        same_origin(request)
        form = await request.post()
        email = str(form.get("email", ""))
        try:
            outcome = await invitations.sign_in(
                email,
                str(form.get("password", "")),
                client=client(request),
                browser=request.cookies.get(BROWSER_COOKIE),
            )
        except TooManyAttempts as paused:
            page = pages.sign_in(school, email, pages.paused(paused.scope, paused.seconds))
            return html(page, 429, paused.seconds)
        except HasherBusy as busy:
            return html(pages.sign_in(school, email, pages.BUSY), 503, busy.seconds)
        except SignInFailed:
            return html(pages.sign_in(school, email, pages.WRONG_PASSWORD), status=401)
        return signed_in(outcome)

    async def forgot_form(request: web.Request) -> web.StreamResponse:
        return html(pages.forgot(school))

    async def forgot_submit(request: web.Request) -> web.StreamResponse:
        """The same answer for every address, known or not; see domain/password_resets.py."""
        same_origin(request)
        email = str((await request.post()).get("email", ""))
        try:
            clean = await services.resets.request(email, client=client(request))
        except InvalidInput as error:
            return html(pages.forgot(school, email, error.message), status=400)
        except TooManyAttempts as paused:
            page = pages.forgot(school, email, pages.paused(paused.scope, paused.seconds))
            return html(page, 429, paused.seconds)
        return html(pages.forgot_sent(school, clean))

    async def me(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")
        user = await invitations.session_user(token) if token else None
        if user is None:
            return _see_other("/login")
        courses = await invitations.my_courses(user)
        grades = await services.grading.of_learner(user.id)
        certificates = await services.certificates.of_learner(user.id)
        now = services.certificates.now()
        return html(pages.my_courses(school, user, courses, grades, certificates, now, base_url))

    async def logout(request: web.Request) -> web.StreamResponse:
        """Ends the session in the database, not only in this browser."""
        same_origin(request)
        token = request.cookies.get(COOKIE, "")
        if token:
            await invitations.sign_out(token)
        response = _see_other("/login")
        response.del_cookie(COOKIE, path="/")
        return response

    for purpose, path in LINK_PATHS.items():
        form, submit = link_routes(purpose)
        app.router.add_get(f"/{path}/{{token}}", form)
        app.router.add_post(f"/{path}/{{token}}", submit)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login_submit)
    app.router.add_get("/forgot", forgot_form)
    app.router.add_post("/forgot", forgot_submit)
    app.router.add_get("/me", me)
    app.router.add_post("/logout", logout)
    app.middlewares.append(_page_headers)


def _see_other(path: str) -> web.Response:
    """A relative Location: the redirect never repeats a Host the request claimed."""
    return web.Response(status=303, headers={"Location": path})


PAGES = ("/invite/", "/reset/", "/login", "/forgot", "/me", "/logout")


@web.middleware
async def _page_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Referrers only to our own pages (password-link tokens are in URLs, which is also
    why the access log cuts them; and a browser sends ``Origin: null`` on a
    same-origin post under ``no-referrer``, which the origin check must refuse), no
    framing, no caching, no scripts."""
    response = await handler(request)
    if request.path.startswith(PAGES):
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'"
        )
    return response
