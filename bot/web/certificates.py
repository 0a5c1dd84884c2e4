"""The public verification page of a certificate, as HTML and as JSON, for anyone."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.services import Services
from bot.settings import Network
from bot.views import certificates as views
from bot.views.learner_pages import paused as paused_words
from bot.web.clients import client_address
from domain.throttle import TooManyAttempts


def add_routes(
    app: web.Application,
    services: Services,
    *,
    school: str,
    trusted_proxies: Collection[Network] = (),
) -> None:
    certificates = services.certificates

    async def verify(request: web.Request) -> web.StreamResponse:
        """``/verify/<code>`` or ``/verify/<code>.json``; no sign-in, rate-limited."""
        code = request.match_info["code"]
        as_json = code.endswith(".json")
        code = code.removesuffix(".json")
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        try:
            found = await certificates.verify(code, client=client_address(request, trusted_proxies))
        except TooManyAttempts as paused:
            headers["Retry-After"] = str(paused.seconds)
            text = paused_words(paused.scope, paused.seconds)
            if as_json:
                return web.json_response(
                    {"ok": False, "error": "rate_limited", "retry_after": paused.seconds},
                    status=429,
                    headers=headers,
                )
            return web.Response(text=text, status=429, headers=headers)
        now = certificates.now()
        status = 200 if found else 404
        if as_json:
            body = views.verification_json(found, now)
            return web.json_response(body, status=status, headers=headers)
        local = now.astimezone(ZoneInfo(await services.school_time.zone()))
        page = views.verification_page(school, found, local)
        return web.Response(text=page, status=status, content_type="text/html", headers=headers)

    app.router.add_get("/verify/{code}", verify)
