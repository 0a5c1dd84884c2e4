"""``POST /api/activity``: learning activity from the course player, signed.

Each request carries ``X-Roster-Timestamp`` (Unix seconds) and
``X-Roster-Signature: v1=<hex>``, the HMAC-SHA256 of ``v1:<timestamp>:<raw body>``
with the shared ``ACTIVITY_SECRET``. Requests more than five minutes off are
refused, so a captured request cannot be replayed later; within the window an
event id seen before changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from aiohttp import web

from bot.services import Services
from bot.web.activity_shape import merged, shape_problems
from domain.activity import RejectedBatch
from domain.entities import ActivityEvent

MAX_BODY = 1_000_000
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v1:" + timestamp.encode() + b":" + body
    return "v1=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    """What a course player sends with a body: the CLI, the demo and the tests use it."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Roster-Timestamp": timestamp,
        "X-Roster-Signature": sign(secret, timestamp, body),
    }


def _problem(status: int, error: str, **extra: object) -> web.Response:
    return web.json_response({"ok": False, "error": error, **extra}, status=status)


def add_routes(app: web.Application, services: Services, *, secret: str | None) -> None:
    async def receive(request: web.Request) -> web.Response:
        if not secret:
            return _problem(503, "ACTIVITY_SECRET is not set on this Roster; ask its admin.")
        if (request.content_length or 0) > MAX_BODY:
            return _problem(413, f"send at most {MAX_BODY} bytes; split the batch")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _problem(413, f"send at most {MAX_BODY} bytes; split the batch")
        refusal = _check_signature(request, body, secret)
        if refusal:
            return _problem(401, refusal)
        try:
            payload = json.loads(body)
        except ValueError as error:
            return _problem(400, f"the body is not JSON: {error}")
        try:
            result = await services.activity.ingest(_events(services, payload))
        except RejectedBatch as rejected:
            problems = [
                {"index": p.index, "field": p.field, "message": p.message}
                for p in rejected.problems
            ]
            return _problem(422, "nothing was stored; fix these events", problems=problems)
        return web.json_response(
            {"ok": True, "accepted": result.accepted, "duplicates": result.duplicates}
        )

    app.router.add_post("/api/activity", receive)


def _events(services: Services, payload: Any) -> list[ActivityEvent]:
    """The batch's events once both their shape (the schema) and their values (the
    domain) are right; otherwise every problem of both, each event named once by the
    check that understood it best."""
    shape = shape_problems(payload)
    try:
        events = services.activity.parse(payload)
    except RejectedBatch as rejected:
        raise RejectedBatch(merged(shape, rejected.problems)) from None
    if shape:
        raise RejectedBatch(shape)
    return events


def _check_signature(request: web.Request, body: bytes, secret: str) -> str | None:
    """Header values arrive as whatever bytes the client sent, so both are checked to be
    ASCII first: ``int`` reads other scripts' digits, and ``hmac.compare_digest``
    raises on non-ASCII text instead of answering no."""
    timestamp = request.headers.get("X-Roster-Timestamp", "")
    signature = request.headers.get("X-Roster-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        return "sign the request: X-Roster-Timestamp and X-Roster-Signature are required"
    drift = abs(time.time() - int(timestamp))
    if drift > TOLERANCE_SECONDS:
        return f"the timestamp is {int(drift)} s off; sign with the current time"
    expected = sign(secret, timestamp, body)
    if not signature.isascii() or not hmac.compare_digest(expected, signature):
        return "the signature does not match; check ACTIVITY_SECRET and sign the raw body"
    return None
