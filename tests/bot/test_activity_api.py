"""POST /api/activity: signed events from the course player change enrolments once."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

import pytest

from bot.web.activity_api import sign
from local_smtp import text_of
from storage.models import ActivityEventRow, EnrollmentRow, UserRow
from tests.bot.activity import post
from tests.bot.conftest import ACTIVITY_SECRET, MANAGER, Roster

LEA = "lea@school.org"


def event(event_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "user": {"email": LEA}, **fields}


async def enrollment() -> EnrollmentRow:
    return await EnrollmentRow.get(user__email=LEA, course__title="Python 101")


@pytest.fixture
async def learning(school: Roster) -> Roster:
    """Lea in Sales Team, so enrolled in Python 101."""
    assert "Added *lea*" in await school.run(MANAGER, f'add "Sales Team" {LEA}')
    return school


async def test_progress_then_completion_update_the_enrolment_and_email_once(
    learning: Roster,
) -> None:
    status, answer = await post(
        learning, event("e1", "course_progress", course="Python 101", percent=40)
    )
    assert (status, answer["accepted"]) == (200, 1)
    assert (await enrollment()).progress == 40
    status, answer = await post(
        learning, event("e2", "course_progress", course="python 101", percent=25)
    )
    assert (await enrollment()).progress == 40, "progress never goes back"
    status, answer = await post(learning, event("e3", "course_completed", course="Python 101"))
    done = await enrollment()
    assert status == 200 and done.progress == 100 and done.completed_at is not None
    message = await learning.inbox.wait_for(LEA, 4)
    assert message["Subject"] == "Example School: you completed Python 101"
    assert "Congratulations on completing Python 101" in text_of(message)


async def test_a_repeated_event_id_changes_nothing(learning: Roster) -> None:
    first = event("same", "course_progress", course="Python 101", percent=30)
    assert (await post(learning, first))[1]["accepted"] == 1
    again = event("same", "course_progress", course="Python 101", percent=90)
    status, answer = await post(learning, again)
    assert (status, answer["accepted"], answer["duplicates"]) == (200, 0, 1)
    assert (await enrollment()).progress == 30
    assert await ActivityEventRow.filter(event_id="same").count() == 1


async def test_a_sign_in_event_updates_last_login_in_group_members(learning: Roster) -> None:
    assert "last login: never" in await learning.run(MANAGER, 'members "Sales Team"')
    status, _ = await post(
        learning, event("s1", "sign_in", occurred_at="2026-11-29T08:30:00+00:00")
    )
    assert status == 200
    user = await UserRow.get(email=LEA)
    assert user.status == "active" and user.last_login_at.isoformat().startswith("2026-11-29T08:30")
    assert "last login: never" not in await learning.run(MANAGER, 'members "Sales Team"')


@pytest.mark.parametrize(
    ("how", "problem"),
    [
        ({"secret": "not-the-secret"}, "the signature does not match"),
        ({"timestamp": int(time.time()) - 400}, "s off; sign with the current time"),
    ],
    ids=["bad signature", "stale timestamp"],
)
async def test_unsigned_or_stale_requests_are_refused_and_store_nothing(
    learning: Roster, how: dict[str, Any], problem: str
) -> None:
    status, answer = await post(
        learning, event("x1", "course_progress", course="Python 101", percent=50), **how
    )
    assert status == 401 and problem in answer["error"]
    assert await ActivityEventRow.all().count() == 0
    assert (await enrollment()).progress == 0


def _fullwidth(digits: str) -> str:
    """Digits that ``str.isdigit`` and ``int`` take, but that are not ASCII."""
    return "".join(chr(0xFF10 + int(d)) for d in digits)


NOW = str(int(time.time()))


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Roster-Signature": "v1=" + "ü" * 64},
        {"X-Roster-Signature": "v1=\uff41\uff42\uff43"},
        {"X-Roster-Timestamp": "17²"},
        {"X-Roster-Timestamp": _fullwidth(NOW)},
    ],
    ids=["accented signature", "fullwidth signature", "superscript timestamp", "fullwidth time"],
)
async def test_non_ascii_signature_headers_are_refused_not_a_server_error(
    learning: Roster, headers: dict[str, str]
) -> None:
    """Header values arrive as whatever bytes the client sent; only ASCII can match."""
    body = event("na1", "course_progress", course="Python 101", percent=50)
    if "X-Roster-Timestamp" in headers:
        stamp = headers["X-Roster-Timestamp"]
        raw = json.dumps(body).encode()
        headers = {**headers, "X-Roster-Signature": sign(ACTIVITY_SECRET, stamp, raw)}
    status, answer = await post(learning, body, headers=headers)
    assert status == 401 and answer["ok"] is False
    assert await ActivityEventRow.all().count() == 0
    assert (await enrollment()).progress == 0


async def test_a_batch_with_unknown_people_or_courses_is_refused_whole(learning: Roster) -> None:
    batch = {
        "events": [
            event("b1", "course_progress", course="Python 101", percent=10),
            {**event("b2", "sign_in"), "user": {"email": "ghost@example.org"}},
            event("b3", "assessment_submitted", course="Underwater Basket Weaving", score=7),
        ]
    }
    status, answer = await post(learning, batch)
    assert status == 422
    assert answer["problems"] == [
        {"index": 1, "field": "user.email", "message": "no school user has ghost@example.org"},
        {"index": 2, "field": "course", "message": "no course 'Underwater Basket Weaving'"},
    ]
    assert await ActivityEventRow.all().count() == 0 and (await enrollment()).progress == 0


async def test_malformed_events_are_named_field_by_field(learning: Roster) -> None:
    batch = {
        "events": [
            event("m1", "course_progress", course="Python 101", percent=140),
            event("m2", "course_finished", course="Python 101"),
            event("m3", "sign_in", occurred_at="yesterday"),
        ]
    }
    status, answer = await post(learning, batch)
    assert status == 422
    assert [(p["index"], p["field"]) for p in answer["problems"]] == [
        (0, "percent"),
        (1, "type"),
        (2, "occurred_at"),
    ]


async def test_the_cli_signs_and_posts_an_event(learning: Roster) -> None:
    env = {**os.environ, "ACTIVITY_SECRET": ACTIVITY_SECRET}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; raise SystemExit(main())",
        "activity",
        "send",
        "--type",
        "course_progress",
        "--email",
        LEA,
        "--course",
        "Python 101",
        "--percent",
        "55",
        "--url",
        learning.url,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0 and b'"accepted": 1' in out
    assert (await enrollment()).progress == 55


async def test_requests_arriving_together_are_answered_each_on_its_own(learning: Roster) -> None:
    bodies: list[Any] = [
        event(f"c{n}", "course_progress", course="Python 101", percent=10 + n) for n in range(8)
    ]
    bodies.append(event("c0", "course_progress", course="Python 101", percent=99))
    bodies.append({**event("c9", "sign_in"), "user": {"email": "ghost@example.org"}})
    answers = await asyncio.gather(*(post(learning, body) for body in bodies))
    statuses = [status for status, _ in answers]
    assert statuses == [200] * 9 + [422]
    assert sum(a["accepted"] for _, a in answers[:9]) == 8
    assert sum(a["duplicates"] for _, a in answers[:9]) == 1
    assert await ActivityEventRow.all().count() == 8
    assert (await enrollment()).progress in {17, 99}
