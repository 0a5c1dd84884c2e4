"""Reporting learning activity as the course player does: signed JSON over HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bot.web.activity_api import sign
from storage.models import EnrollmentRow
from tests.bot.conftest import ACTIVITY_SECRET, ADMIN, Roster, allow_bulk


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


PEOPLE = ("ana", "ben", "cy", "dan", "eve")
"""The classroom's members, by the start of their email."""


def learning_event(event_id: str, kind: str, who: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "user": {"email": f"{who}@school.org"}, **fields}


async def learn(roster: Roster, *events: dict[str, Any]) -> None:
    status, answer = await post(roster, {"events": list(events)})
    assert (status, answer["accepted"]) == (200, len(events)), answer


async def seat_classroom(school: Roster) -> Roster:
    """Sales Team (Python 101) with five people, MANAGER holding *View user analytics*:
    ana completed it in 3 days, ben in 9, cy is at 40% and active, dan never signed
    in, eve signed in but has done nothing for 30 days (stalled)."""
    await allow_bulk(school, capability="analytics.view")
    for who in PEOPLE:
        assert "Added" in await school.run(ADMIN, f'add "Sales Team" {who}@school.org')
    now = datetime.now(UTC)
    took = {"ana": 3, "ben": 9}
    await learn(
        school,
        *[learning_event(f"in-{who}", "sign_in", who) for who in ("ana", "ben", "cy", "eve")],
    )
    for who, days in took.items():
        await EnrollmentRow.filter(user__email=f"{who}@school.org").update(
            enrolled_at=now - timedelta(days=days + 1)
        )
        done = (now - timedelta(days=1)).isoformat()
        completion = learning_event(
            f"done-{who}", "course_completed", who, course="Python 101", occurred_at=done
        )
        await learn(school, completion)
    progress = learning_event("cy-40", "course_progress", "cy", course="Python 101", percent=40)
    await learn(school, progress)
    await EnrollmentRow.filter(user__email="eve@school.org").update(
        enrolled_at=now - timedelta(days=30)
    )
    return school
