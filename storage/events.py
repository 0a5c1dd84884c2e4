"""School events: written inside the transaction of the change they record, read by
keyset for the log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from domain.events.model import (
    Cause,
    Cursor,
    EventFilter,
    EventPage,
    EventType,
    How,
    LoggedEvent,
    SchoolEvent,
)
from storage.models import CourseRow, GroupRow, MembershipRow, SchoolEventRow, UserRow
from storage.rule_sql import on_postgres
from storage.sql import execute, fetch_ids, marks

_COLUMNS = "occurred_at, type, how, actor_id, user_id, group_id, course_id, job_id, detail"
_ROWS_PER_STATEMENT = 3000
"""Nine parameters a row: 27,000 stays under both engines' cap of 32,766 per statement."""


async def record(conn: BaseDBAsyncClient, events: Sequence[SchoolEvent]) -> None:
    """Writes the events in ``conn``'s transaction, a multi-row INSERT per 3,000, so a
    bulk chunk of any size costs one or two statements."""
    for start in range(0, len(events), _ROWS_PER_STATEMENT):
        batch = events[start : start + _ROWS_PER_STATEMENT]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(batch))
        await execute(
            conn,
            f"INSERT INTO school_events ({_COLUMNS}) VALUES {values}",
            [value for event in batch for value in _values(event)],
        )


def _values(event: SchoolEvent) -> tuple[Any, ...]:
    cause = event.cause
    return (
        event.occurred_at,
        event.type.value,
        cause.how.value,
        cause.by,
        event.user_id,
        event.group_id,
        event.course_id,
        cause.job_id,
        event.detail,
    )


class EventStore:
    async def page(self, chosen: EventFilter, *, after: Cursor | None, limit: int) -> EventPage:
        """A group's own events are read by its index, its members' events of no group
        member by member (:func:`_members_page`), newest first; the pages are merged."""
        branches = _branches(chosen)
        groups = _scope(chosen)
        if groups is not None:
            branches = branches[:1]
        rows: list[SchoolEventRow] = []
        for branch in branches:
            query = SchoolEventRow.filter(branch)
            if after is not None:
                # (occurred_at, id) < (t, i), with the bound on occurred_at alone first,
                # so either engine starts its index range scan at the cursor.
                query = query.filter(
                    Q(occurred_at__lte=after.occurred_at)
                    & (Q(occurred_at__lt=after.occurred_at) | Q(id__lt=after.id))
                )
            rows += await query.order_by("-occurred_at", "-id").limit(limit + 1)
        if groups is not None:
            rows += await _members_page(chosen, groups, after, limit + 1)
        rows.sort(key=lambda r: (r.occurred_at, r.id), reverse=True)
        shown = rows[:limit]
        items = await _logged(shown)
        last = shown[-1] if len(rows) > limit else None
        return EventPage(items, Cursor(last.occurred_at, last.id) if last else None)

    async def counts(self, chosen: EventFilter) -> dict[EventType, int]:
        found: dict[EventType, int] = {}
        for branch in _branches(chosen):
            rows = (
                await SchoolEventRow.filter(branch)
                .annotate(n=Count("id"))
                .group_by("type")
                .values_list("type", "n")
            )
            for kind, n in rows:
                found[EventType(str(kind))] = found.get(EventType(str(kind)), 0) + int(n)
        return found

    async def latest_id(self) -> int:
        newest = await SchoolEventRow.all().order_by("-id").first()
        return newest.id if newest else 0

    async def after(
        self, last_id: int, chosen: EventFilter, *, upto: int, limit: int
    ) -> list[LoggedEvent]:
        rows: list[SchoolEventRow] = []
        for branch in _branches(chosen):
            rows += (
                await SchoolEventRow.filter(branch, id__gt=last_id, id__lte=upto)
                .order_by("id")
                .limit(limit)
            )
        rows.sort(key=lambda r: r.id)
        return list(await _logged(rows[:limit]))

    async def prune(self, *, before: datetime, limit: int) -> int:
        ids = (
            await SchoolEventRow.filter(occurred_at__lt=before)
            .order_by("occurred_at", "id")
            .limit(limit)
            .values_list("id", flat=True)
        )
        if not ids:
            return 0
        return await SchoolEventRow.filter(id__in=list(ids)).delete()


async def logged_events(ids: Sequence[int]) -> tuple[LoggedEvent, ...]:
    """These events with what they name, oldest first."""
    rows = await SchoolEventRow.filter(id__in=list(ids)).order_by("id") if ids else []
    return await _logged(rows)


def _branches(chosen: EventFilter) -> list[Q]:
    """The filter as disjoint conditions, each one index can serve: with a group scope,
    the groups' own events, and the events of no group (a sign-in, a completion, a
    change on the card) about people who are members of them now. One OR of the two
    would make either engine scan the whole log in time order."""
    conditions: list[Q] = []
    if chosen.types:
        conditions.append(Q(type__in=sorted(t.value for t in chosen.types)))
    if chosen.since is not None:
        conditions.append(Q(occurred_at__gte=chosen.since))
    if chosen.until is not None:
        conditions.append(Q(occurred_at__lt=chosen.until))
    if chosen.user_id is not None:
        conditions.append(Q(user_id=chosen.user_id))
    base = Q(*conditions) if conditions else Q()
    groups = _scope(chosen)
    if groups is None:
        return [base]
    members = MembershipRow.filter(group_id__in=groups).values("user_id")
    return [
        Q(base, Q(group_id__in=groups)),
        Q(base, Q(group_id=None, user_id__in=Subquery(members))),
    ]


async def _members_page(
    chosen: EventFilter, groups: list[int], after: Cursor | None, limit: int
) -> list[SchoolEventRow]:
    """The newest events of no group about the groups' members: driven from the
    memberships (``CROSS JOIN`` keeps SQLite from starting at the whole log in time
    order), each member's events found by the person index (SQLite is told to, or a
    type filter makes it walk all events of that type once per member)."""
    where = [f"m.group_id IN ({marks(len(groups))})"]
    params: list[Any] = list(groups)
    if chosen.types:
        kinds = sorted(t.value for t in chosen.types)
        where.append(f"e.type IN ({marks(len(kinds))})")
        params += kinds
    if chosen.since is not None:
        where.append("e.occurred_at >= ?")
        params.append(chosen.since)
    if chosen.until is not None:
        where.append("e.occurred_at < ?")
        params.append(chosen.until)
    if chosen.user_id is not None:
        where.append("e.user_id = ?")
        params.append(chosen.user_id)
    if after is not None:
        where.append("e.occurred_at <= ? AND (e.occurred_at < ? OR e.id < ?)")
        params += [after.occurred_at, after.occurred_at, after.id]
    hint = "" if on_postgres() else " INDEXED BY school_events_user"
    ids = await fetch_ids(
        None,
        f"SELECT e.id FROM memberships m CROSS JOIN school_events e{hint} "
        f"WHERE e.user_id = m.user_id AND e.group_id IS NULL AND {' AND '.join(where)} "
        "ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
        [*params, limit],
    )
    return list(await SchoolEventRow.filter(id__in=ids)) if ids else []


def _scope(chosen: EventFilter) -> list[int] | None:
    """The groups a filter keeps: the one asked for within the caller's reach."""
    if chosen.group_id is None:
        return None if chosen.groups is None else sorted(chosen.groups) or [0]
    if chosen.groups is not None and chosen.group_id not in chosen.groups:
        return [0]
    return [chosen.group_id]


async def _logged(rows: Sequence[SchoolEventRow]) -> tuple[LoggedEvent, ...]:
    """The page's events with what they name, in three small lookups for the page."""
    people = await _names(UserRow, {i for r in rows for i in (r.user_id, r.actor_id)}, "email")
    groups = await _names(GroupRow, {r.group_id for r in rows}, "title")
    courses = await _names(CourseRow, {r.course_id for r in rows}, "title")
    return tuple(
        LoggedEvent(
            event=_event(r),
            user=_named(people, r.user_id, "deleted user"),
            actor=_named(people, r.actor_id, "deleted user"),
            group=_named(groups, r.group_id, "deleted group"),
            course=_named(courses, r.course_id, "deleted course"),
        )
        for r in rows
    )


async def _names(
    model: type[UserRow] | type[GroupRow] | type[CourseRow], ids: Iterable[int | None], field: str
) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = await model.filter(id__in=wanted).values_list("id", field)
    return {int(i): str(name) for i, name in rows}


def _named(names: dict[int, str], key: int | None, gone: str) -> str:
    if key is None:
        return ""
    return names.get(key, f"{gone} #{key}")


def _event(row: SchoolEventRow) -> SchoolEvent:
    return SchoolEvent(
        type=EventType(row.type),
        occurred_at=row.occurred_at,
        cause=Cause(How(row.how), row.actor_id, row.job_id),
        user_id=row.user_id,
        group_id=row.group_id,
        course_id=row.course_id,
        detail=row.detail,
        id=row.id,
    )
