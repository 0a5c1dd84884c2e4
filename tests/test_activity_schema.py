"""The JSON schema README gives integrators agrees with what the API accepts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.web.activity_shape import SCHEMA
from domain.activity import RejectedBatch, parse_batch
from domain.entities import EventType

README = Path(__file__).resolve().parent.parent / "README.md"
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _schema() -> dict[str, Any]:
    block = re.search(
        r"```json\n(\{.*?\"Roster activity event\".*?)\n```", README.read_text(), re.S
    )
    assert block, "README has the activity event schema"
    return json.loads(block.group(1))


GOOD = [
    {"id": "1", "type": "sign_in", "user": {"email": "ada@school.org"}},
    {
        "id": "2",
        "type": "course_progress",
        "user": {"email": "ada@school.org"},
        "course": "Python 101",
        "percent": 40,
        "occurred_at": "2026-11-29T10:00:00+00:00",
    },
    {"id": "3", "type": "course_completed", "user": {"email": "ada@school.org"}, "course": 7},
    {
        "id": "4",
        "type": "assessment_submitted",
        "user": {"email": "ada@school.org"},
        "course": "Python 101",
        "assessment": "Quiz 1",
        "score": 8.5,
    },
]
BAD = [
    {"id": "5", "type": "course_progress", "user": {"email": "ada@school.org"}, "course": "X"},
    {"id": "6", "type": "course_completed", "user": {"email": "ada@school.org"}},
    {"id": "7", "type": "graduated", "user": {"email": "ada@school.org"}},
    {"id": "", "type": "sign_in", "user": {"email": "ada@school.org"}},
    {"id": "8", "type": "sign_in"},
]


def test_the_api_checks_events_against_the_schema_readme_publishes() -> None:
    assert _schema() == SCHEMA


def test_the_schema_names_exactly_the_event_types() -> None:
    assert set(_schema()["properties"]["type"]["enum"]) == {t.value for t in EventType}


@pytest.mark.parametrize("event", GOOD, ids=lambda e: e["type"])
def test_events_the_schema_accepts_the_api_accepts(event: dict[str, Any]) -> None:
    jsonschema.validate(event, _schema())
    assert parse_batch(event, now=NOW)[0].event_id == event["id"]


@pytest.mark.parametrize("event", BAD, ids=lambda e: e["id"] or "empty id")
def test_events_the_schema_refuses_the_api_refuses(event: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(event, _schema())
    with pytest.raises(RejectedBatch):
        parse_batch(event, now=NOW)
