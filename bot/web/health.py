"""Probes for load balancers and monitoring: ``/healthz`` (the process answers),
``/readyz`` (it can do its work: the database answers and has every migration
this version needs) and ``/metrics`` (Prometheus's text format)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics
from bot.services import Services
from storage import db


def add_routes(
    app: web.Application, services: Services, metrics: Metrics, leading: Callable[[], bool]
) -> None:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(request: web.Request) -> web.Response:
        try:
            pending = await db.pending_migrations()
        except Exception as error:
            return web.json_response({"ok": False, "database": str(error)}, status=503)
        answer = {
            "ok": not pending,
            "database": "ok",
            "migrations": "pending: " + ", ".join(pending) if pending else "applied",
            "scheduler": "leading" if leading() else "standing by",
        }
        return web.json_response(answer, status=503 if pending else 200)

    async def scrape(request: web.Request) -> web.Response:
        metrics.outbox_waiting.set(await services.emails.waiting())
        metrics.leading.set(1 if leading() else 0)
        return web.Response(body=metrics.text(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", scrape)
