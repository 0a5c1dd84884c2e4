"""The shape of the course player's events, checked against the JSON Schema Roster
publishes (``activity_event.schema.json``, also in README), before the domain
reads their values.

The schema is compiled twice, once: to Python code by fastjsonschema, which
answers "is this event right?" several times faster than jsonschema (nearly
every event is), and for jsonschema, which lists every problem of an event
that is not, each named by the event's index and the field's path, so the
player can fix a whole batch at once. Values (an address, a course's name)
are still read by the domain's normalisers afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, ValidationError

from domain.activity import Problem

SCHEMA = json.loads(Path(__file__).with_name("activity_event.schema.json").read_text())
_VALIDATOR = Draft202012Validator(SCHEMA)
_FITS = fastjsonschema.compile(SCHEMA, use_formats=False)


def shape_problems(payload: Any) -> list[Problem]:
    """What in the events' shape the schema refuses; empty when all is well. A body
    that is neither an event nor ``{"events": [...]}`` is left to the domain, which
    says how to send one."""
    events = (
        payload.get("events") if isinstance(payload, dict) and "events" in payload else [payload]
    )
    if not isinstance(events, list):
        return []
    return [
        problem
        for index, event in enumerate(events)
        if not _fits(event)
        for error in _VALIDATOR.iter_errors(event)
        for problem in _problems(index, error)
    ]


def _fits(event: Any) -> bool:
    try:
        _FITS(event)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def merged(shape: Sequence[Problem], values: Sequence[Problem]) -> list[Problem]:
    """The schema's problems, and the domain's for events the schema found no fault
    with (an address that is not one, a time that is not a time)."""
    faulty = {p.index for p in shape}
    return sorted([*shape, *(p for p in values if p.index not in faulty)], key=lambda p: p.index)


def _problems(index: int, error: ValidationError) -> Iterator[Problem]:
    path = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                field = f"{path}.{name}" if path else name
                yield Problem(index, field, f"{field} is required for this event")
        return
    yield Problem(index, path or "event", error.message)
