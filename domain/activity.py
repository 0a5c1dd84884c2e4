"""Learning activity from the course player: checked, deduplicated, applied.

A batch is all or nothing: if one event names an unknown user or course, or
is malformed, nothing of the batch is stored and the answer lists every
problem. An event id seen before changes nothing, so the player may retry.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from domain.clock import Clock, utc_now
from domain.emails import EmailService
from domain.entities import ActivityEvent, Course, EventType, Resolved, User
from domain.errors import DomainError, InvalidInput
from domain.letters import OutgoingEmail, Trigger
from domain.naming import parse_id
from domain.ports import Store
from domain.ports.hooks import Changed
from domain.validation import normalize_email, normalize_label, normalize_title, title_key

MAX_BATCH = 1000
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Problem:
    index: int
    field: str
    message: str


class RejectedBatch(DomainError):
    """Nothing of the batch was stored; ``problems`` says why, event by event."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(problems)} problem(s) in the batch")


@dataclass(frozen=True)
class Ingested:
    accepted: int
    duplicates: int


def parse_batch(body: Any, *, now: datetime) -> list[ActivityEvent]:
    """One event object, or ``{"events": [...]}``; raises RejectedBatch listing every problem."""
    items = body.get("events") if isinstance(body, dict) and "events" in body else [body]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise RejectedBatch([Problem(0, "events", f"send 1 to {MAX_BATCH} events")])
    events, problems = [], []
    for index, item in enumerate(items):
        try:
            events.append(_parse(item, now))
        except _Bad as bad:
            problems.append(Problem(index, bad.field, bad.message))
    seen: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.event_id in seen:
            problems.append(Problem(index, "id", f"repeats event {seen[event.event_id]}"))
        seen.setdefault(event.event_id, index)
    if problems:
        raise RejectedBatch(problems)
    return events


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def _parse(item: Any, now: datetime) -> ActivityEvent:
    if not isinstance(item, dict):
        raise _Bad("event", "each event is a JSON object")
    event_id = item.get("id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 100 or not event_id.isprintable():
        raise _Bad("id", "a unique string of 1 to 100 printable characters is required")
    try:
        kind = EventType(str(item.get("type")))
    except ValueError:
        raise _Bad("type", f"one of {', '.join(t.value for t in EventType)}") from None
    user = item.get("user")
    address = _string(user.get("email") if isinstance(user, dict) else None)
    email = _checked("user.email", lambda: normalize_email(address))
    course = item.get("course")
    if kind is not EventType.SIGN_IN and (not isinstance(course, str | int) or course == ""):
        raise _Bad("course", "the course's title or id is required for this type")
    if isinstance(course, str):
        title = course
        course = _checked("course", lambda: normalize_title(title, what="course"))
    return ActivityEvent(
        event_id=event_id,
        type=kind,
        email=email,
        course=None if course is None else str(course),
        occurred_at=_when(item.get("occurred_at"), now),
        percent=_percent(kind, item.get("percent")),
        details=_details(item),
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("user.email", "the learner's email address is required, as a string")
    return value


def _checked(field: str, normalise: Callable[[], str]) -> str:
    """A value through the normaliser every other path uses; its refusal, by field."""
    try:
        return normalise()
    except InvalidInput as bad:
        raise _Bad(field, bad.message) from None


def _details(item: Mapping[str, Any]) -> dict[str, Any]:
    """What the gradebook and certificates will read: names tidied, the score a number."""
    details: dict[str, Any] = {}
    for key in ("assessment", "certificate"):
        if key in item:
            value = item[key]
            if not isinstance(value, str):
                raise _Bad(key, "a name is required, as a string")
            details[key] = _checked(key, partial(normalize_label, value, field=key))
    if "score" in item:
        score = item["score"]
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
        ):
            raise _Bad("score", "a number is required")
        details["score"] = score
    details.update(_assessment_details(item))
    _within_maximum(details)
    return details


ASSESSMENT_KINDS = ("exam", "assignment", "certification")
MAX_RESPONSES = 20000


def _assessment_details(item: Mapping[str, Any]) -> dict[str, Any]:
    """What the Review Center and Gradebook read about an assessment and an attempt."""
    details: dict[str, Any] = {}
    if "title" in item:
        title = item["title"]
        if not isinstance(title, str):
            raise _Bad("title", "the assessment's name is required, as a string")
        details["title"] = _checked("title", partial(normalize_label, title, field="title"))
    if "kind" in item:
        if item["kind"] not in ASSESSMENT_KINDS:
            raise _Bad("kind", f"one of {', '.join(ASSESSMENT_KINDS)}")
        details["kind"] = item["kind"]
    if "max_score" in item:
        maximum = item["max_score"]
        if (
            isinstance(maximum, bool)
            or not isinstance(maximum, int | float)
            or not (math.isfinite(maximum) and maximum > 0)
        ):
            raise _Bad("max_score", "a number above 0 is required")
        details["max_score"] = maximum
    if "pass_mark" in item:
        mark = item["pass_mark"]
        if (
            isinstance(mark, bool)
            or not isinstance(mark, int | float)
            or not (math.isfinite(mark) and mark >= 0)
        ):
            raise _Bad("pass_mark", "a number from 0 up is required")
        details["pass_mark"] = mark
    if "responses" in item:
        responses = item["responses"]
        if not isinstance(responses, str) or len(responses) > MAX_RESPONSES:
            raise _Bad("responses", f"text of at most {MAX_RESPONSES} characters is required")
        details["responses"] = responses
    if "expires_at" in item:
        try:
            expires = datetime.fromisoformat(str(item["expires_at"]))
        except ValueError:
            raise _Bad("expires_at", "an ISO 8601 time with its offset is required") from None
        if expires.tzinfo is None:
            raise _Bad("expires_at", "add the time zone offset, e.g. Z or +01:00")
        details["expires_at"] = expires.astimezone(UTC).isoformat()
    if "needs_review" in item:
        if not isinstance(item["needs_review"], bool):
            raise _Bad("needs_review", "true or false is required")
        details["needs_review"] = item["needs_review"]
    return details


def _within_maximum(details: Mapping[str, Any]) -> None:
    maximum = details.get("max_score")
    for key in ("score", "pass_mark"):
        if maximum is not None and details.get(key, 0) > maximum:
            raise _Bad(key, f"is above max_score ({maximum:g})")


def _when(value: Any, now: datetime) -> datetime:
    if value is None:
        return now
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise _Bad(
            "occurred_at", "an ISO 8601 time with its offset, e.g. 2026-11-29T10:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise _Bad("occurred_at", "add the time zone offset, e.g. Z or +01:00")
    if moment > now + FUTURE_SLACK:
        raise _Bad("occurred_at", "is in the future; check the player's clock")
    return moment.astimezone(UTC)


def _percent(kind: EventType, value: Any) -> int | None:
    if kind is EventType.COURSE_COMPLETED:
        return 100
    if kind is not EventType.COURSE_PROGRESS:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise _Bad("percent", "a number from 0 to 100 is required for course_progress")
    return int(value)


_Waiting = tuple[list[ActivityEvent], asyncio.Future[Ingested]]
"""A request's events and the answer its handler awaits."""


class ActivityService:
    def __init__(
        self, store: Store, mail: EmailService, *, changed: Changed, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._changed = changed
        self._mail = mail
        self._clock = clock
        self._pending: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    def parse(self, body: Any) -> list[ActivityEvent]:
        return parse_batch(body, now=self._clock())

    async def ingest(self, events: Sequence[ActivityEvent]) -> Ingested:
        """Stores one request's events, all or nothing.

        Requests that arrive while a write is under way are written together in
        the next transaction (group commit), so a player reporting event by
        event costs one transaction per round, not per event; each request
        still gets its own answer and its own all-or-nothing check.
        """
        waiting: asyncio.Future[Ingested] = asyncio.get_running_loop().create_future()
        self._pending.append((list(events), waiting))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_rounds())
        return await waiting

    async def _write_rounds(self) -> None:
        while self._pending:
            await asyncio.sleep(0)
            group, self._pending = _take_round(self._pending)
            try:
                await self._write(group)
            except Exception as error:
                for _, waiting in group:
                    if not waiting.done():
                        waiting.set_exception(error)

    async def _write(self, group: list[_Waiting]) -> None:
        users, courses = await self._lookups([e for events, _ in group for e in events])
        admitted: list[tuple[list[Resolved], asyncio.Future[Ingested]]] = []
        for events, waiting in group:
            try:
                admitted.append((_resolve(events, users, courses), waiting))
            except RejectedBatch as rejected:
                waiting.set_exception(rejected)
        owner: dict[str, int] = {}
        combined = []
        for number, (resolved, _) in enumerate(admitted):
            for item in resolved:
                if owner.setdefault(item.event.event_id, number) == number:
                    combined.append(item)
        stored = await self._record(combined) if combined else set()
        for number, (resolved, waiting) in enumerate(admitted):
            mine = {r.event.event_id for r in resolved if owner[r.event.event_id] == number}
            accepted = len(mine & stored)
            if not waiting.done():
                waiting.set_result(Ingested(accepted, len(resolved) - accepted))

    async def _record(self, combined: list[Resolved]) -> set[str]:
        completing = any(r.event.type is EventType.COURSE_COMPLETED for r in combined)
        enabled = await self._mail.enabled() if completing else frozenset()

        def completion_emails(user: User, course: Course) -> list[OutgoingEmail]:
            if Trigger.COURSE_COMPLETION not in enabled:
                return []
            return [self._mail.letters.completed(user, course)]

        stored = await self._store.activity.record(combined, completion_emails, self._clock())
        for item in combined:
            if item.event.event_id in stored:
                what = item.event.type.value.replace("_", " ")
                self._changed([item.user.id], f"{what} reported by the course player")
        return stored

    async def _lookups(
        self, events: Sequence[ActivityEvent]
    ) -> tuple[dict[str, User], list[Course]]:
        emails = {e.email for e in events}
        users = await self._store.users.by_emails(emails)
        if emails - users.keys():
            # A recently changed address still names its person (see UserCards).
            users |= await self._store.user_cards.aliases(emails - users.keys(), self._clock())
        return users, await self._store.courses.all()


def _take_round(pending: list[_Waiting]) -> tuple[list[_Waiting], list[_Waiting]]:
    """As many waiting requests as fit in one transaction of about ``MAX_BATCH`` events
    (very large transactions get slower per event); always at least one."""
    size, taken = 0, 0
    for events, _ in pending:
        if taken and size + len(events) > MAX_BATCH:
            break
        size, taken = size + len(events), taken + 1
    return pending[:taken], pending[taken:]


def _resolve(
    events: Sequence[ActivityEvent], users: Mapping[str, User], catalogue: Sequence[Course]
) -> list[Resolved]:
    """Finds each event's learner and course; any miss rejects the whole request."""
    by_key = {title_key(c.title): c for c in catalogue}
    by_id = {c.id: c for c in catalogue}
    resolved, problems = [], []
    for index, event in enumerate(events):
        user = users.get(event.email)
        if user is None:
            problems.append(Problem(index, "user.email", f"no school user has {event.email}"))
            continue
        course = None
        if event.course is not None:
            number = parse_id(event.course)
            course = by_id.get(number) if number is not None else None
            course = course or by_key.get(title_key(event.course))
            if course is None:
                problems.append(Problem(index, "course", f"no course {event.course!r}"))
                continue
        resolved.append(Resolved(event, user, course))
    if problems:
        raise RejectedBatch(problems)
    return resolved
