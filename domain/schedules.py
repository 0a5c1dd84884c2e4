"""Scheduled reports: which report, how often, where; and each delivery, once.

Every period of a schedule becomes one delivery row, keyed by (schedule,
period) and written before anything is posted. Its state moves pending ->
posting -> posted (with the message's ts) or failed (with Slack's error).
Slack has no idempotency key, so a delivery left in *posting* by a crash is
marked *uncertain* and its owner told; it is never posted again. A period
Roster missed while it was down is delivered once when it comes back within
:data:`GRACE`, else recorded as *missed*, never skipped silently.

Times are computed here, from the schedule's own zone, for any "now" given:
the tests move time by passing it, and nothing waits for real minutes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.entities import Actor, Course, Group
from domain.errors import DomainError, InvalidInput, NotFound
from domain.log_filter import LogFilter, parse_log_filter
from domain.permissions import Capability, require
from domain.school_time import parse_zone

LOG_ROWS = 20
MAX_ATTEMPTS = 4
RETRY_BASE = timedelta(minutes=1)
GRACE = timedelta(hours=1)
"""A run missed while Roster was down is still posted when it comes back this soon."""
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class ReportKind(StrEnum):
    PROGRESS = "progress"
    """The group's progress course by course, with its chart."""
    COMPLETION = "completion"
    """Who completed which course since the last period, and each course's rate."""
    ATTENTION = "attention"
    """The people needing attention: never signed in, or stalled."""
    BULK = "bulk"
    """The bulk actions on the group since the last period, and what they did."""
    EMAILS = "emails"
    """The emails to the group's members since the last period: sent, waiting, failed."""
    EVENTS = "events"
    """A digest of the group's events since the last period, with buttons to act on it."""


READS = {
    ReportKind.PROGRESS: Capability.VIEW_ANALYTICS,
    ReportKind.COMPLETION: Capability.VIEW_ANALYTICS,
    ReportKind.ATTENTION: Capability.VIEW_ANALYTICS,
    ReportKind.BULK: Capability.BULK_ACTIONS,
    ReportKind.EMAILS: Capability.VIEW_ACTIVITY,
    ReportKind.EVENTS: Capability.VIEW_ACTIVITY,
}
"""What the owner of each kind of schedule must be allowed to read on its group."""
NARROWED = frozenset({ReportKind.PROGRESS, ReportKind.COMPLETION, ReportKind.ATTENTION})
"""The kinds a course or a segment can narrow: those counted over enrolments."""


class DeliveryState(StrEnum):
    PENDING = "pending"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    MISSED = "missed"
    QUIET = "quiet"
    """Nothing to report, and the schedule says not to post then: recorded, not posted."""


@dataclass(frozen=True, slots=True)
class Timing:
    """When a schedule is due: a cadence, a day (weekday 0-6 or day of month
    1-28), a local time and the zone it is read in."""

    cadence: Cadence
    day: int
    at: time
    zone: str

    def _runs_on(self, day: date) -> bool:
        if self.cadence is Cadence.WEEKDAYS:
            return day.weekday() < 5
        if self.cadence is Cadence.WEEKLY:
            return day.weekday() == self.day
        if self.cadence is Cadence.MONTHLY:
            return day.day == self.day
        return True

    def _moment(self, day: date) -> datetime:
        return datetime.combine(day, self.at, tzinfo=ZoneInfo(self.zone))

    def latest(self, now: datetime) -> datetime | None:
        """The last due moment at or before ``now`` (within 32 days), in UTC."""
        local = now.astimezone(ZoneInfo(self.zone)).date()
        for back in range(33):
            day = local - timedelta(days=back)
            if self._runs_on(day) and self._moment(day) <= now:
                return self._moment(day).astimezone(now.tzinfo)
        return None

    def previous(self, period: datetime) -> datetime:
        """The due moment before ``period``: where a digest posted at ``period`` starts."""
        return self.latest(period - timedelta(microseconds=1)) or period - timedelta(days=32)

    def following(self, now: datetime) -> datetime:
        """The next due moment after ``now``."""
        local = now.astimezone(ZoneInfo(self.zone)).date()
        for ahead in range(33):
            day = local + timedelta(days=ahead)
            if self._runs_on(day) and self._moment(day) > now:
                return self._moment(day).astimezone(now.tzinfo)
        raise AssertionError("every cadence runs at least once a month")

    def words(self) -> str:
        when = f"{self.at:%H:%M} {self.zone}"
        if self.cadence is Cadence.WEEKLY:
            return f"weekly on {DAYS[self.day]} at {when}"
        if self.cadence is Cadence.MONTHLY:
            return f"monthly on day {self.day} at {when}"
        return f"{self.cadence.value} at {when}"

    def typed(self) -> str:
        """As :func:`parse_timing` reads it: ``weekly mon 09:00 Europe/Madrid``."""
        day = {Cadence.WEEKLY: f" {DAYS[self.day]}", Cadence.MONTHLY: f" {self.day}"}
        return f"{self.cadence.value}{day.get(self.cadence, '')} {self.at:%H:%M} {self.zone}"


def parse_kind(word: str) -> ReportKind:
    """The report a schedule posts, as typed or picked."""
    try:
        return ReportKind(word.strip().lower())
    except ValueError:
        raise InvalidInput(
            "report",
            f"`{word}` is not a report to schedule",
            fix=f"say one of {', '.join(k.value for k in ReportKind)}",
        ) from None


def parse_timing(words: Sequence[str], *, zone: str) -> Timing:
    """``daily 09:00``, ``weekdays 08:30``, ``weekly mon 09:00``, ``monthly 1 09:00``,
    optionally followed by a time zone (``Europe/Madrid``)."""
    fix = "e.g. `weekly mon 09:00`, `daily 08:30`, `weekdays 17:00` or `monthly 1 09:00`"
    try:
        cadence = Cadence(words[0].lower())
    except (IndexError, ValueError):
        raise InvalidInput("how often", "it is missing or unknown", fix=fix) from None
    rest = list(words[1:])
    day = 0
    if cadence in (Cadence.WEEKLY, Cadence.MONTHLY):
        if not rest:
            raise InvalidInput("day", "it is missing", fix=fix)
        day = _day(cadence, rest.pop(0))
    if not rest or not (match := _TIME.match(rest[0])):
        raise InvalidInput("time", "it is missing or not HH:MM", fix=fix)
    if len(rest) > 1:
        zone = rest[1]
    zone = parse_zone(zone)
    return Timing(cadence, day, time(int(match.group(1)), int(match.group(2))), zone)


def _day(cadence: Cadence, word: str) -> int:
    if cadence is Cadence.WEEKLY:
        key = word.lower()[:3]
        if key not in DAYS:
            raise InvalidInput("day", f"{word} is not a weekday", fix="use mon, tue … sun")
        return DAYS.index(key)
    if not word.isdigit() or not 1 <= int(word) <= 28:
        raise InvalidInput(
            "day", f"{word} is not a day from 1 to 28", fix="every month has days 1 to 28"
        )
    return int(word)


@dataclass(frozen=True, slots=True)
class Focus:
    """What a schedule reports on within its group: one course and a segment, or all."""

    course: Course | None = None
    segment: str = ""
    """A saved segment's name, read afresh at each delivery as its owner may use it."""

    def words(self) -> str:
        parts = [f"in {self.course.title}" if self.course else "", self.segment]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class ReportSchedule:
    id: int
    kind: ReportKind
    group_id: int
    group_title: str
    timing: Timing
    channel: str
    owner_id: int
    owner_slack_id: str
    with_file: bool
    created_at: datetime
    paused_at: datetime | None = None
    pause_reason: str = ""
    focus: Focus = Focus()
    post_empty: bool = True
    """Whether a period with nothing to report is posted (saying so) or only recorded."""


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """What the person chose for a schedule, checked, before it is saved as theirs."""

    kind: ReportKind
    timing: Timing
    channel: str
    with_file: bool = False
    focus: Focus = Focus()
    post_empty: bool = True


@dataclass(frozen=True, slots=True)
class NewSchedule:
    """Settings checked for a group, with the owner they are saved for."""

    group_id: int
    owner_id: int
    owner_slack_id: str
    settings: ScheduleSettings


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    schedule_id: int
    period: datetime
    state: DeliveryState
    ts: str = ""
    error: str = ""
    attempts: int = 0
    updated_at: datetime | None = None

    def retry_due(self, now: datetime) -> bool:
        """A failed post is tried again after 1, 2, then 4 minutes, then given up."""
        if self.state is not DeliveryState.FAILED or self.attempts >= MAX_ATTEMPTS:
            return False
        wait = RETRY_BASE * 2 ** max(self.attempts - 1, 0)
        return self.updated_at is None or self.updated_at + wait <= now


@dataclass(frozen=True, slots=True)
class ReportLog:
    """The Activity Log of scheduled reports."""

    chosen: LogFilter[ReportKind]
    in_progress: tuple[tuple[ReportSchedule, Delivery], ...]
    upcoming: tuple[tuple[datetime, ReportSchedule], ...]
    past: tuple[tuple[ReportSchedule, Delivery], ...]


class ScheduleNotFound(NotFound):
    """No schedule with that number among the caller's."""

    kind = "scheduled report"


class ChannelUnreachable(DomainError):
    """Roster is not a member of the channel a schedule would post to."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        super().__init__(channel)


class ScheduleStore(Protocol):
    async def create(self, new: NewSchedule, *, now: datetime) -> ReportSchedule: ...
    async def update(
        self, schedule_id: int, new: NewSchedule, *, now: datetime
    ) -> ReportSchedule: ...
    async def get(self, schedule_id: int) -> ReportSchedule | None: ...
    async def listed(self, group_ids: Sequence[int] | None) -> list[ReportSchedule]: ...
    async def set_paused(self, schedule_id: int, at: datetime | None, reason: str) -> None: ...
    async def delete(self, schedule_id: int) -> None: ...
    async def claim(
        self, schedule_id: int, period: datetime, state: DeliveryState, *, now: datetime
    ) -> Delivery | None:
        """Writes the period's delivery in ``state``; None when it already exists."""
        ...

    async def move(
        self,
        delivery_id: int,
        before: DeliveryState,
        after: DeliveryState,
        *,
        now: datetime,
        ts: str = "",
        error: str = "",
    ) -> bool:
        """Compare-and-set: False, changing nothing, unless the delivery is ``before``."""
        ...

    async def in_state(self, state: DeliveryState) -> list[Delivery]: ...
    async def history(
        self, schedule_ids: Sequence[int], *, since: datetime | None, limit: int
    ) -> list[Delivery]:
        """The schedules' deliveries, newest period first."""
        ...

    async def deliveries(self, schedule_id: int) -> list[Delivery]: ...


class SchedulesHolder(Protocol):
    @property
    def schedules(self) -> ScheduleStore: ...


class ScheduleService:
    def __init__(self, store: SchedulesHolder) -> None:
        self._store = store

    async def add(
        self, actor: Actor, group: Group, settings: ScheduleSettings, *, now: datetime
    ) -> ReportSchedule:
        """Needs *Manage scheduled reports* and, on the group, what the kind reads
        (:data:`READS`): a schedule posts what its owner may read, no more."""
        return await self._store.schedules.create(self._checked(actor, group, settings), now=now)

    async def edit(
        self,
        actor: Actor,
        schedule: ReportSchedule,
        group: Group,
        settings: ScheduleSettings,
        *,
        now: datetime,
    ) -> ReportSchedule:
        """The same checks as :meth:`add`; the editor becomes its owner. Its periods
        count from now: a time moved earlier today is not posted late."""
        new = self._checked(actor, group, settings)
        return await self._store.schedules.update(schedule.id, new, now=now)

    def _checked(self, actor: Actor, group: Group, settings: ScheduleSettings) -> NewSchedule:
        kind, focus = settings.kind, settings.focus
        require(actor, Capability.MANAGE_REPORTS, group)
        require(actor, READS[kind], group)
        if (focus.course or focus.segment) and kind not in NARROWED:
            raise InvalidInput(
                "course or segment",
                f"a {kind.value} report covers the whole group",
                fix="leave the course and segment out, or schedule a progress, completion "
                "or attention report",
            )
        assert actor.user_id is not None
        return NewSchedule(group.id, actor.user_id, actor.slack_user_id, settings)

    def require_can_manage(self, actor: Actor) -> None:
        """Checked before the form opens, so nobody fills it in vain."""
        require(actor, Capability.MANAGE_REPORTS)

    async def listed(self, actor: Actor) -> list[ReportSchedule]:
        require(actor, Capability.MANAGE_REPORTS)
        visible = None if actor.is_admin else sorted(actor.managed_group_ids)
        return await self._store.schedules.listed(visible)

    async def mine(self, actor: Actor, number: str) -> ReportSchedule:
        """A schedule the caller may manage, by its number; others answer as absent."""
        require(actor, Capability.MANAGE_REPORTS)
        found = await self._store.schedules.get(int(number)) if number.isdigit() else None
        if found is None or not (actor.is_admin or found.group_id in actor.managed_group_ids):
            raise ScheduleNotFound(number)
        return found

    async def get(self, schedule_id: int) -> ReportSchedule | None:
        return await self._store.schedules.get(schedule_id)

    async def pause(self, schedule: ReportSchedule, *, now: datetime, reason: str) -> None:
        await self._store.schedules.set_paused(schedule.id, now, reason)

    async def resume(self, schedule: ReportSchedule) -> None:
        await self._store.schedules.set_paused(schedule.id, None, "")

    async def delete(self, schedule: ReportSchedule) -> None:
        await self._store.schedules.delete(schedule.id)

    async def active(self) -> list[ReportSchedule]:
        return [s for s in await self._store.schedules.listed(None) if s.paused_at is None]

    async def claim(
        self, schedule: ReportSchedule, period: datetime, *, now: datetime
    ) -> Delivery | None:
        """The period's delivery, pending, unless it exists already (then None). A
        period older than :data:`GRACE` is recorded as missed and not delivered."""
        schedules = self._store.schedules
        if now - period > GRACE:
            await schedules.claim(schedule.id, period, DeliveryState.MISSED, now=now)
            return None
        return await schedules.claim(schedule.id, period, DeliveryState.PENDING, now=now)

    async def start_posting(self, delivery: Delivery, *, now: datetime) -> bool:
        return await self._store.schedules.move(
            delivery.id, DeliveryState.PENDING, DeliveryState.POSTING, now=now
        )

    async def posted(self, delivery: Delivery, ts: str, *, now: datetime) -> None:
        await self._store.schedules.move(
            delivery.id, DeliveryState.POSTING, DeliveryState.POSTED, now=now, ts=ts
        )

    async def quiet(self, delivery: Delivery, *, now: datetime) -> None:
        """Nothing to report and the schedule posts nothing then: the log still says so."""
        await self._store.schedules.move(
            delivery.id, DeliveryState.PENDING, DeliveryState.QUIET, now=now
        )

    async def failed(
        self, delivery: Delivery, before: DeliveryState, error: str, *, now: datetime
    ) -> None:
        await self._store.schedules.move(
            delivery.id, before, DeliveryState.FAILED, now=now, error=error[:200]
        )

    async def retries(self, *, now: datetime) -> list[Delivery]:
        """Failed deliveries of active schedules whose next try is due, taken back to
        pending (compare-and-set, so two processes can't both take one)."""
        active = {s.id for s in await self.active()}
        schedules = self._store.schedules
        taken = []
        for delivery in await schedules.in_state(DeliveryState.FAILED):
            due = delivery.schedule_id in active and delivery.retry_due(now)
            if due and await schedules.move(
                delivery.id,
                DeliveryState.FAILED,
                DeliveryState.PENDING,
                now=now,
                error=delivery.error,
            ):
                taken.append(delivery)
        return taken

    async def interrupted(self, *, now: datetime) -> list[Delivery]:
        """Deliveries a crash left in *posting*, now marked uncertain (never re-posted)."""
        schedules = self._store.schedules
        marked = []
        for delivery in await schedules.in_state(DeliveryState.POSTING):
            if await schedules.move(
                delivery.id, DeliveryState.POSTING, DeliveryState.UNCERTAIN, now=now
            ):
                marked.append(delivery)
        return marked

    async def log(self, actor: Actor, words: Sequence[str], *, now: datetime) -> ReportLog:
        """In progress (posting now), upcoming (next runs from the timetables) and past
        deliveries, of the schedules the caller manages, by report type and time."""
        chosen = parse_log_filter(
            words, kinds={k.value: k for k in ReportKind}, what="a report type", now=now
        )
        mine = [s for s in await self.listed(actor) if chosen.kind is None or s.kind is chosen.kind]
        by_id = {s.id: s for s in mine}
        past = await self._store.schedules.history(list(by_id), since=chosen.since, limit=LOG_ROWS)
        posting = [d for d in past if d.state is DeliveryState.POSTING]
        upcoming = sorted(
            ((s.timing.following(now), s) for s in mine if s.paused_at is None),
            key=lambda pair: (pair[0], pair[1].id),
        )
        return ReportLog(
            chosen,
            tuple((by_id[d.schedule_id], d) for d in posting),
            tuple(upcoming[:LOG_ROWS]),
            tuple((by_id[d.schedule_id], d) for d in past if d.state is not DeliveryState.POSTING),
        )

    async def deliveries(self, schedule: ReportSchedule) -> list[Delivery]:
        return await self._store.schedules.deliveries(schedule.id)
