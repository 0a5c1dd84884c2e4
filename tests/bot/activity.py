"""Reporting learning activity as the course player does: signed JSON over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp

from bot.web.activity_api import sign
from tests.bot.conftest import ACTIVITY_SECRET, Roster


async def post(
    roster: Roster,
    body: Any,
    *,
    secret: str = ACTIVITY_SECRET,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """``headers`` replace the signed ones, as a broken or hostile client sends them."""
    raw = json.dumps(body).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signed = {
        "Content-Type": "application/json",
        "X-Roster-Timestamp": ts,
        "X-Roster-Signature": sign(secret, ts, raw),
    }
    sent = {**signed, **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{roster.url}/api/activity", data=raw, headers=sent) as answer,
    ):
        return answer.status, await answer.json()
