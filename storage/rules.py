"""Saved rules and the set-based statements that apply them.

A rule is compiled once per run to a condition on ``users u``; previews count
with it, runs insert and delete memberships with it, never user by user.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.entities import User, UserStatus
from domain.errors import NotFound
from domain.events.model import RULE, Cause, SchoolEvent
from domain.events.model import EventType as Kind
from domain.ports.hooks import Compose
from domain.rules.model import Rule, RuleEvent, RulePreview, RuleRun, RuleState, SavedRule
from storage import convert
from storage.bulk import enrol_in_group_courses
from storage.events import record
from storage.models import (
    CourseRow,
    GroupRow,
    MembershipRuleRow,
    RuleEventRow,
    UserRow,
)
from storage.outbox import queue
from storage.rule_sql import compile_rule, on_postgres
from storage.sql import execute, execute_many, fetch, fetch_ids, fetch_number, marks

CHUNK = 5000
"""Ids per IN list: well under both engines' limits on parameters."""
APPLY_CHUNK = 1000
"""People per transaction when a rule runs."""
T = TypeVar("T")
_USER_COLUMNS = "u.id, u.email, u.username, u.status"


def _where(rule: Rule, now: datetime, *, few: bool = False) -> tuple[str, list[Any]]:
    return compile_rule(rule, postgres=on_postgres(), now=now, few=few)


class _Person(NamedTuple):
    id: int
    email: str
    username: str
    status: str


class _Counts(NamedTuple):
    matching: int
    adding: int


class _Leaving(NamedTuple):
    removed: int
    kept: int


def _users(rows: Sequence[_Person]) -> tuple[User, ...]:
    return tuple(User(r.id, r.email, r.username, UserStatus(r.status)) for r in rows)


def _chunks(items: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


async def _people(ids: Sequence[int]) -> list[User]:
    rows = await fetch(
        None,
        f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id IN ({marks(len(ids))}) ORDER BY u.email",
        list(ids),
        _Person,
    )
    return list(_users(rows))


async def _join(
    conn: BaseDBAsyncClient,
    group_id: int,
    users: Sequence[User],
    now: datetime,
    cause: str,
    compose: Compose,
) -> None:
    await execute_many(
        conn,
        "INSERT INTO memberships (group_id, user_id, joined_at, source) "
        "VALUES (?, ?, ?, 'rule') ON CONFLICT (group_id, user_id) DO NOTHING",
        [(group_id, u.id, now) for u in users],
    )
    enrolled = await enrol_in_group_courses(conn, group_id, [u.id for u in users], True, now, RULE)
    emails = [e for u in users for e in compose(u, False, enrolled.get(u.id, []))]
    await queue(emails, now, conn)
    await _log(conn, group_id, users, "added", now, cause)


async def _leave(
    conn: BaseDBAsyncClient, group_id: int, users: Sequence[User], now: datetime, cause: str
) -> None:
    await execute(
        conn,
        "DELETE FROM memberships WHERE group_id = ? AND source = 'rule' "
        f"AND user_id IN ({marks(len(users))})",
        [group_id, *(u.id for u in users)],
    )
    await _log(conn, group_id, users, "removed", now, cause)


async def _log(
    conn: BaseDBAsyncClient,
    group_id: int,
    users: Sequence[User],
    change: str,
    now: datetime,
    cause: str,
) -> None:
    await execute_many(
        conn,
        "INSERT INTO rule_events (group_id, user_id, email, change, cause, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(group_id, u.id, u.email, change, cause[:120], now) for u in users],
    )
    kind = Kind.MEMBER_ADDED if change == "added" else Kind.MEMBER_REMOVED
    await record(conn, [SchoolEvent(kind, now, RULE, u.id, group_id, detail=cause) for u in users])


class RuleStore:
    async def mark(self, causes: Mapping[int, str], now: datetime) -> None:
        await _mark(causes, now)

    async def take_marks(self, now: datetime, until: datetime, limit: int) -> dict[int, str]:
        return await _take_marks(now, until, limit)

    async def clear_marks(self, user_ids: Collection[int], claimed_until: datetime) -> None:
        await _clear_marks(user_ids, claimed_until)

    async def catalogue(self) -> tuple[dict[str, str], dict[str, str]]:
        courses = await CourseRow.all().values_list("title_key", "title")
        groups = await GroupRow.all().values_list("title_key", "title")
        return dict(courses), dict(groups)

    async def draft(
        self, *, group_id: int | None, name: str, text: str, created_by: int | None
    ) -> SavedRule:
        row = await MembershipRuleRow.create(
            group_id=group_id,
            name=name,
            name_key=name.casefold(),
            text=text,
            state=RuleState.DRAFT.value,
            created_by_id=created_by,
        )
        saved = await self._one(row.id)
        if saved is None:  # deleted before it could be read back
            raise NotFound(f"rule #{row.id}")
        return saved

    async def get(self, rule_id: int) -> SavedRule | None:
        return await self._one(rule_id)

    async def activate(
        self, rule_id: int, now: datetime, *, approved_by: int | None = None
    ) -> SavedRule | None:
        """Compare-and-set draft (or, approved, pending) -> active; the rule it
        replaces becomes replaced."""
        was = RuleState.DRAFT if approved_by is None else RuleState.PENDING
        decision = {} if approved_by is None else {"decided_by_id": approved_by, "decided_at": now}
        async with in_transaction() as conn:
            row = await MembershipRuleRow.get_or_none(id=rule_id, using_db=conn)
            moved = (
                await MembershipRuleRow.filter(id=rule_id, state=was.value)
                .using_db(conn)
                .update(state=RuleState.ACTIVE.value, saved_at=now, **decision)
            )
            if row is None or not moved:
                return None
            same = MembershipRuleRow.filter(state=RuleState.ACTIVE.value).exclude(id=rule_id)
            if row.group_id is not None:
                same = same.filter(group_id=row.group_id)
            else:
                same = same.filter(group_id=None, name_key=row.name_key)
            replaced = await same.using_db(conn).update(state=RuleState.REPLACED.value)
            saved = SchoolEvent(
                Kind.RULE_CHANGED if replaced else Kind.RULE_SAVED,
                now,
                Cause.hand(approved_by or row.created_by_id),
                group_id=row.group_id,
                detail=row.text if row.group_id is not None else f"segment {row.name}: {row.text}",
            )
            await record(conn, [saved])
        return await self._one(rule_id)

    async def request_approval(
        self, rule_id: int, *, channel: str, thread_ts: str
    ) -> SavedRule | None:
        moved = await MembershipRuleRow.filter(id=rule_id, state=RuleState.DRAFT.value).update(
            state=RuleState.PENDING.value, channel=channel, thread_ts=thread_ts
        )
        return await self._one(rule_id) if moved else None

    async def reject(
        self, rule_id: int, *, by: int | None, reason: str, now: datetime
    ) -> SavedRule | None:
        moved = await MembershipRuleRow.filter(id=rule_id, state=RuleState.PENDING.value).update(
            state=RuleState.REJECTED.value, decided_by_id=by, decided_at=now, reason=reason
        )
        return await self._one(rule_id) if moved else None

    async def cancel(self, rule_id: int) -> SavedRule | None:
        moved = await MembershipRuleRow.filter(id=rule_id, state=RuleState.DRAFT.value).update(
            state=RuleState.CANCELLED.value
        )
        return await self._one(rule_id) if moved else None

    async def end(self, group_id: int, *, by: int | None, now: datetime) -> SavedRule | None:
        """Ends the group's rule; the people it added stay, as members added by hand."""
        async with in_transaction() as conn:
            row = (
                await MembershipRuleRow.filter(group_id=group_id, state=RuleState.ACTIVE.value)
                .using_db(conn)
                .first()
            )
            if row is None:
                return None
            await (
                MembershipRuleRow.filter(id=row.id)
                .using_db(conn)
                .update(state=RuleState.REPLACED.value)
            )
            await execute(
                conn,
                "UPDATE memberships SET source = 'manual' WHERE group_id = ? AND source = 'rule'",
                [group_id],
            )
            cleared = SchoolEvent(
                Kind.RULE_CLEARED, now, Cause.hand(by), group_id=group_id, detail=row.text
            )
            await record(conn, [cleared])
        return await self._one(row.id)

    async def active_for_group(self, group_id: int) -> SavedRule | None:
        row = await MembershipRuleRow.filter(
            group_id=group_id, state=RuleState.ACTIVE.value
        ).first()
        return await self._one(row.id) if row else None

    async def active_group_rules(self) -> list[SavedRule]:
        rows = await MembershipRuleRow.filter(
            state=RuleState.ACTIVE.value, group_id__isnull=False
        ).order_by("id")
        return [await self._convert(r) for r in rows]

    async def any_group_rule(self) -> bool:
        return await MembershipRuleRow.filter(
            state=RuleState.ACTIVE.value, group_id__isnull=False
        ).exists()

    async def segments(self) -> list[SavedRule]:
        rows = await MembershipRuleRow.filter(
            state=RuleState.ACTIVE.value, group_id__isnull=True
        ).order_by("name_key")
        return [await self._convert(r) for r in rows]

    async def segment(self, name: str) -> SavedRule | None:
        row = await MembershipRuleRow.filter(
            state=RuleState.ACTIVE.value, group_id__isnull=True, name_key=name.casefold()
        ).first()
        return await self._convert(row) if row else None

    async def preview(
        self, group_id: int | None, rule: Rule, now: datetime, *, limit: int
    ) -> RulePreview:
        """Counts in two passes (over the users, then over the group), and the first
        few people each way; with no group, only who matches."""
        where, params = _where(rule, now)
        first = await fetch(None, *_adding(group_id, where, params, limit=limit), _Person)
        if group_id is None:
            count = await fetch_number(None, f"SELECT COUNT(*) FROM users u WHERE {where}", params)
            return RulePreview(count, 0, 0, 0, _users(first), ())
        (matching,) = await fetch(
            None,
            "SELECT COUNT(*) AS matching, COUNT(*) - COUNT(m.user_id) AS adding FROM users u "
            f"LEFT JOIN memberships m ON m.user_id = u.id AND m.group_id = ? WHERE {where}",
            [group_id, *params],
            _Counts,
        )
        (leaving,) = await fetch(
            None,
            "SELECT COALESCE(SUM(CASE WHEN m.source = 'rule' THEN 1 ELSE 0 END), 0) AS removed, "
            "COALESCE(SUM(CASE WHEN m.source = 'manual' THEN 1 ELSE 0 END), 0) AS kept "
            f"FROM memberships m JOIN users u ON u.id = m.user_id "
            f"WHERE m.group_id = ? AND NOT ({where})",
            [group_id, *params],
            _Leaving,
        )
        removed = await fetch(None, *_ending(group_id, where, params, limit=limit), _Person)
        return RulePreview(
            matching=int(matching.matching),
            added=int(matching.adding),
            removed=int(leaving.removed),
            manual_kept=int(leaving.kept),
            first_added=_users(first),
            first_removed=_users(removed),
        )

    async def changes(self, group_id: int | None, rule: Rule, now: datetime) -> RuleRun:
        """Everyone a preview counts, for its file: who would be added and removed
        (or, for a segment, who matches)."""
        where, params = _where(rule, now)
        added = await fetch(None, *_adding(group_id, where, params), _Person)
        if group_id is None:
            return RuleRun(_users(added), ())
        removed = await fetch(None, *_ending(group_id, where, params), _Person)
        return RuleRun(_users(added), _users(removed))

    async def apply(
        self,
        rule_id: int,
        group_id: int,
        rule: Rule,
        now: datetime,
        *,
        user_ids: Collection[int] | None,
        cause: str,
        compose: Compose,
    ) -> RuleRun:
        """Adds who matches and ends the rule's memberships of who no longer does,
        for everyone or only ``user_ids``.

        Each chunk of people commits on its own, with their enrolments in the
        group's courses, their emails and an event per change: a rule that adds a
        whole school then holds neither the database nor the event loop for long.
        """
        where, params = _where(rule, now, few=user_ids is not None)
        joining_ids: list[int] = []
        leaving_ids: list[int] = []
        for scope, scope_params in _scopes(user_ids):
            scoped = f"({where}){scope}" if scope else where
            scoped_params = [*params, *scope_params]
            joining_ids += await fetch_ids(
                None, *_adding(group_id, scoped, scoped_params, only_ids=True)
            )
            leaving_ids += await fetch_ids(
                None,
                *_ending(
                    group_id, where, params, only=scope, only_params=scope_params, only_ids=True
                ),
            )
        joining: list[User] = []
        leaving: list[User] = []
        for chunk in _chunks(joining_ids, APPLY_CHUNK):
            people = await _people(chunk)
            async with in_transaction() as conn:
                await _join(conn, group_id, people, now, cause, compose)
            joining += people
        for chunk in _chunks(leaving_ids, APPLY_CHUNK):
            people = await _people(chunk)
            async with in_transaction() as conn:
                await _leave(conn, group_id, people, now, cause)
            leaving += people
        if user_ids is None:
            await MembershipRuleRow.filter(id=rule_id).update(
                last_run_at=now, last_added=len(joining), last_removed=len(leaving)
            )
        return RuleRun(tuple(joining), tuple(leaving))

    async def set_text(self, rule_id: int, text: str) -> None:
        await MembershipRuleRow.filter(id=rule_id).update(text=text)

    async def events(self, group_id: int, *, limit: int) -> list[RuleEvent]:
        rows = await RuleEventRow.filter(group_id=group_id).order_by("-at", "-id").limit(limit)
        return [RuleEvent(r.email, r.change, r.cause, r.at) for r in rows]

    async def _one(self, rule_id: int) -> SavedRule | None:
        row = await MembershipRuleRow.get_or_none(id=rule_id)
        return await self._convert(row) if row else None

    async def _convert(self, row: MembershipRuleRow) -> SavedRule:
        author = await UserRow.get_or_none(id=row.created_by_id) if row.created_by_id else None
        decider = await UserRow.get_or_none(id=row.decided_by_id) if row.decided_by_id else None
        return SavedRule(
            id=row.id,
            group_id=row.group_id,
            name=row.name,
            text=row.text,
            state=RuleState(row.state),
            created_by=convert.user(author) if author else None,
            created_at=row.created_at,
            saved_at=row.saved_at,
            last_run_at=row.last_run_at,
            last_added=row.last_added,
            last_removed=row.last_removed,
            decided_by=convert.user(decider) if decider else None,
            decided_at=row.decided_at,
            reason=row.reason,
            channel=row.channel,
            thread_ts=row.thread_ts,
        )


def _scopes(user_ids: Collection[int] | None) -> list[tuple[str, list[int]]]:
    """The whole school as one scope, or the changed users in chunks of ids."""
    if user_ids is None:
        return [("", [])]
    ids = sorted(set(user_ids))
    return [(f" AND u.id IN ({marks(len(c))})", list(c)) for c in _chunks(ids)]


def _adding(
    group_id: int | None,
    where: str,
    params: list[Any],
    *,
    limit: int | None = None,
    only_ids: bool = False,
) -> tuple[str, list[Any]]:
    """Who meets the rule and is not yet in the group (with no group: who meets it),
    by email; only their ids is the cheaper question a run asks."""
    columns = "u.id" if only_ids else _USER_COLUMNS
    tail = " ORDER BY u.email" + (f" LIMIT {limit}" if limit is not None else "")
    if group_id is None:
        return f"SELECT {columns} FROM users u WHERE {where}{tail}", params
    return (
        f"SELECT {columns} FROM users u WHERE {where} AND NOT EXISTS "
        "(SELECT 1 FROM memberships m WHERE m.group_id = ? AND m.user_id = u.id)" + tail,
        [*params, group_id],
    )


def _ending(
    group_id: int,
    where: str,
    params: list[Any],
    *,
    limit: int | None = None,
    only: str = "",
    only_params: Sequence[Any] = (),
    only_ids: bool = False,
) -> tuple[str, list[Any]]:
    """Who the rule added but no longer meets it, by email."""
    columns = "u.id" if only_ids else _USER_COLUMNS
    tail = " ORDER BY u.email" + (f" LIMIT {limit}" if limit is not None else "")
    return (
        f"SELECT {columns} FROM memberships m JOIN users u ON u.id = m.user_id "
        f"WHERE m.group_id = ? AND m.source = 'rule'{only} AND NOT ({where})" + tail,
        [group_id, *only_params, *params],
    )


class _Mark(NamedTuple):
    user_id: int
    cause: str


async def _mark(causes: Mapping[int, str], now: datetime) -> None:
    """A user marked again keeps the later cause and is due again, even if a round
    had taken them: that round no longer clears them."""
    await execute_many(
        None,
        "INSERT INTO rule_marks (user_id, cause, marked_at, claimed_until) VALUES (?, ?, ?, NULL) "
        "ON CONFLICT (user_id) DO UPDATE SET cause = excluded.cause, "
        "marked_at = excluded.marked_at, claimed_until = NULL",
        [(user_id, cause[:200], now) for user_id, cause in causes.items()],
    )


async def _take_marks(now: datetime, until: datetime, limit: int) -> dict[int, str]:
    """Up to ``limit`` marks nobody holds, held until ``until`` (skipping those another
    process is taking on PostgreSQL)."""
    skip = " FOR UPDATE SKIP LOCKED" if on_postgres() else ""
    taken = await fetch(
        None,
        "UPDATE rule_marks SET claimed_until = ? WHERE user_id IN (SELECT user_id FROM "
        "rule_marks WHERE claimed_until IS NULL OR claimed_until <= ? ORDER BY marked_at "
        f"LIMIT ?{skip}) RETURNING user_id, cause",
        [until, now, limit],
        _Mark,
    )
    return {m.user_id: m.cause for m in taken}


async def _clear_marks(user_ids: Collection[int], claimed_until: datetime) -> None:
    """The marks a round evaluated, unless marked again meanwhile."""
    ids = list(user_ids)
    for start in range(0, len(ids), MARKS_PER_STATEMENT):
        chunk = ids[start : start + MARKS_PER_STATEMENT]
        await execute(
            None,
            f"DELETE FROM rule_marks WHERE claimed_until = ? AND user_id IN ({marks(len(chunk))})",
            [claimed_until, *chunk],
        )


MARKS_PER_STATEMENT = 900
"""Ids per DELETE: within SQLite's default limit of 999 parameters."""
