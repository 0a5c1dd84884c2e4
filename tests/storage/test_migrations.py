"""Upgrading a database that already holds a school, on both engines.

Every other test starts from a fully migrated, empty database; this one
stops at the first release's schema, writes a user, a group and a membership,
then applies the later migrations. New NOT NULL columns need a database
default for that to work, and existing rows must get the right value.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from domain.entities import LinkPurpose, UserStatus
from storage import db
from storage.models import UserRow
from storage.sql import execute
from storage.store import TortoiseStore

_counter = itertools.count()


async def _rows(sql: str) -> list[dict[str, object]]:
    """What a query reads, as plain dicts to compare with: the test looks at raw
    columns, not at the records storage reads."""
    return await UserRow._meta.db.execute_query_dict(sql)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return db.sqlite_url(tmp_path / "old.sqlite3")
    cluster = request.getfixturevalue("postgres")
    name = f"roster_upgrade_{os.getpid()}_{next(_counter)}"

    async def create() -> None:
        connection = await asyncpg.connect(cluster.admin_url)
        await connection.execute(f"CREATE DATABASE {name}")
        await connection.close()

    asyncio.run(create())
    return cluster.url(name)


async def _upgrade(url: str) -> list[dict[str, object]]:
    await migrate(config=db.tortoise_config(url), target="models.0001_initial")
    await Tortoise.close_connections()
    await db.connect(url)
    await execute(
        None,
        "INSERT INTO users (email, username, status, is_admin, created_at) "
        "VALUES ('ada@school.org', 'ada', 'active', ?, '2026-01-01 00:00:00+00:00')",
        [False],
    )
    await execute(
        None,
        "INSERT INTO groups (title, title_key, description, created_at, updated_at) VALUES "
        "('Sales', 'sales', '', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
        [],
    )
    await execute(
        None,
        "INSERT INTO memberships (group_id, user_id, joined_at) "
        "SELECT g.id, u.id, '2026-01-01 00:00:00+00:00' FROM groups g, users u",
        [],
    )
    await db.close()
    await db.migrate(url)
    await db.connect(url)
    try:
        return await _rows(
            "SELECT u.first_name, u.last_name, m.source FROM users u "
            "JOIN memberships m ON m.user_id = u.id",
        )
    finally:
        await db.close()


def test_an_existing_school_upgrades_and_keeps_its_rows(empty_url: str) -> None:
    rows = asyncio.run(_upgrade(empty_url))
    assert rows == [{"first_name": "", "last_name": "", "source": "manual"}]


async def _upgrade_tags(url: str) -> list[dict[str, object]]:
    await migrate(config=db.tortoise_config(url), target="models.0008_rule_approval")
    await Tortoise.close_connections()
    await db.connect(url)
    await execute(
        None,
        "INSERT INTO users (email, username, status, is_admin, created_at, first_name, "
        "last_name, tags) VALUES ('ana@example.org', 'Ana', 'active', ?, "
        "'2026-11-01 00:00:00+00:00', '', '', 'sales, emea, Sales'), ('bo@example.org', "
        "'Bo', 'active', ?, '2026-11-01 00:00:00+00:00', '', '', '')",
        [False, False],
    )
    await db.close()
    await db.migrate(url)
    await db.connect(url)
    try:
        return await _rows(
            "SELECT u.email, t.tag FROM user_tags t JOIN users u ON u.id = t.user_id "
            "ORDER BY t.tag",
        )
    finally:
        await db.close()


def test_tags_move_to_a_row_each(empty_url: str) -> None:
    rows = asyncio.run(_upgrade_tags(empty_url))
    assert [(r["email"], r["tag"]) for r in rows] == [
        ("ana@example.org", "Sales"),
        ("ana@example.org", "emea"),
        ("ana@example.org", "sales"),
    ]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _upgrade_with_a_pending_invitation(url: str) -> list[dict[str, object]]:
    await migrate(config=db.tortoise_config(url), target="models.0005_rules")
    await Tortoise.close_connections()
    await db.connect(url)
    await execute(
        None,
        "INSERT INTO users (email, username, status, is_admin, created_at, first_name, "
        "last_name, tags) VALUES ('eve@example.org', 'eve', 'invited', ?, "
        "'2026-11-01 00:00:00+00:00', '', '', '')",
        [False],
    )
    await execute(
        None,
        "INSERT INTO invitations (user_id, token_hash, created_at, expires_at) "
        "SELECT id, ?, '2026-11-30 00:00:00+00:00', '2099-01-01 00:00:00+00:00' FROM users",
        [_digest("an old invitation")],
    )
    await db.close()
    await db.migrate(url)
    await db.connect(url)
    try:
        user = await TortoiseStore().accounts.redeem(
            _digest("an old invitation"), LinkPurpose.INVITATION, "hash", datetime.now(UTC)
        )
        assert user is not None and user.status is UserStatus.ACTIVE
        return await _rows(
            "SELECT purpose FROM invitations",
        )
    finally:
        await db.close()


def test_invitations_sent_before_the_upgrade_still_work(empty_url: str) -> None:
    rows = asyncio.run(_upgrade_with_a_pending_invitation(empty_url))
    assert rows == [{"purpose": "invitation"}]


async def _upgrade_a_reported_job(url: str) -> list[dict[str, object]]:
    await migrate(config=db.tortoise_config(url), target="models.0005_rules")
    await Tortoise.close_connections()
    await db.connect(url)
    await execute(
        None,
        "INSERT INTO bulk_jobs (kind, group_title, course_title, filename, columns, state, "
        "options, counts, results, notes, reason, rows_total, rows_done, checkpoint, channel, "
        "thread_ts, progress_ts, created_at, reported_at) VALUES ('add members', 'Sales', '', "
        "'team.xlsx', 'username,email', 'done', '{}', '{}', '{}', '[]', '', 1, 1, 2, 'D1', "
        "'1.1', '1.2', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
        [],
    )
    await db.close()
    await db.migrate(url)
    await db.connect(url)
    try:
        return await _rows(
            "SELECT summary_ts, report_attempts, report_retry_at, rows_pruned_at FROM bulk_jobs",
        )
    finally:
        await db.close()


def test_a_bulk_job_from_before_the_upgrade_has_no_report_tries_and_is_not_pruned(
    empty_url: str,
) -> None:
    rows = asyncio.run(_upgrade_a_reported_job(empty_url))
    assert rows == [
        {"summary_ts": "", "report_attempts": 0, "report_retry_at": None, "rows_pruned_at": None}
    ]
