"""Databases for the tests: every database test runs on SQLite and on PostgreSQL.

Migrations run once per engine into a template; each test gets a fresh copy
(a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), so
no test sees another's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from storage import db
from tests.postgres import PostgresCluster, start_cluster

_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(db.migrate(db.sqlite_url(path)))
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = start_cluster()
    if cluster is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must test PostgreSQL too.")
        pytest.skip(f"{message}; install postgresql to run these.")

    async def make_template() -> None:
        connection = await asyncpg.connect(cluster.admin_url)
        await connection.execute("CREATE DATABASE roster_template")
        await connection.close()
        await db.migrate(cluster.url("roster_template"))

    asyncio.run(make_template())
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "roster.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return db.sqlite_url(path)
    return _fresh_postgres(request.getfixturevalue("postgres"))


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> str:
    """A fresh PostgreSQL database, for what only happens with several processes
    on one server (SQLite is the one-process engine)."""
    return _fresh_postgres(postgres)


def _fresh_postgres(cluster: PostgresCluster) -> str:
    name = f"roster_test_{os.getpid()}_{next(_counter)}"

    async def create() -> None:
        connection = await asyncpg.connect(cluster.admin_url)
        await connection.execute(f"CREATE DATABASE {name} TEMPLATE roster_template")
        await connection.close()

    asyncio.run(create())
    return cluster.url(name)


@pytest.fixture
async def connected(database_url: str) -> AsyncIterator[str]:
    """An open database for tests that use storage directly."""
    await db.connect(database_url)
    yield database_url
    await db.close()
