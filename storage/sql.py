"""Hand-written SQL for the few set-based statements the ORM would do row by row.

Statements are written with ``?`` placeholders and numbered for PostgreSQL;
with no connection given, they run on the default one (outside any transaction).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient

from storage.models import UserRow

_PLACEHOLDER = re.compile(r"\?")
R = TypeVar("R", bound=tuple[Any, ...])


def _connection(conn: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    """The given transaction, or the connection every model of the app uses."""
    return conn if conn is not None else UserRow._meta.db


def _dialect(sql: str, conn: BaseDBAsyncClient) -> str:
    if conn.capabilities.dialect != "postgres":
        return sql
    numbers = iter(range(1, sql.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


async def execute_many(
    conn: BaseDBAsyncClient | None, sql: str, rows: Sequence[Sequence[Any]]
) -> None:
    """One statement for many rows, inside ``conn``'s transaction when given."""
    if not rows:
        return
    db = _connection(conn)
    await db.execute_many(_dialect(sql, db), [list(r) for r in rows])


async def execute(conn: BaseDBAsyncClient | None, sql: str, params: Sequence[Any]) -> None:
    """One statement that returns nothing (INSERT … SELECT, DELETE)."""
    db = _connection(conn)
    await db.execute_query(_dialect(sql, db), list(params))


async def fetch(
    conn: BaseDBAsyncClient | None, sql: str, params: Sequence[Any], shape: type[R]
) -> list[R]:
    """Rows as typed records: ``shape`` is a NamedTuple whose fields are the columns
    the statement selects (by name)."""
    db = _connection(conn)
    return [shape(**row) for row in await db.execute_query_dict(_dialect(sql, db), list(params))]


async def fetch_ids(conn: BaseDBAsyncClient | None, sql: str, params: Sequence[Any]) -> list[int]:
    """The first column of every row, as integers (ids, mostly)."""
    db = _connection(conn)
    rows = await db.execute_query_dict(_dialect(sql, db), list(params))
    return [int(next(iter(row.values()))) for row in rows]


async def fetch_number(conn: BaseDBAsyncClient | None, sql: str, params: Sequence[Any]) -> int:
    """A statement's single number (a COUNT, a SUM), 0 when it is NULL."""
    db = _connection(conn)
    rows = await db.execute_query_dict(_dialect(sql, db), list(params))
    return int(next(iter(rows[0].values())) or 0) if rows else 0


def moment(value: Any) -> datetime | None:
    """A moment as the driver gave it: a datetime (PostgreSQL) or ISO text (SQLite)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def marks(count: int) -> str:
    """``?, ?, ?`` for an IN list of ``count`` values (at most a chunk's worth)."""
    return ", ".join("?" * count)
