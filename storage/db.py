"""Connecting, migrating and closing the database."""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path
from typing import Any, NamedTuple

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations

from storage.locks import MIGRATIONS as MIGRATIONS_LOCK
from storage.locks import exclusive
from storage.sql import fetch

MODELS = "storage.models"
MIGRATIONS = "storage.migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite://{path}"


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url.replace("postgresql://", "postgres://", 1)
    if url.startswith("postgres://"):
        url = url.replace("postgres://", "asyncpg://", 1)
    name = _connection_name(url)
    return {
        "connections": {name: url},
        "apps": {
            "models": {
                "models": [MODELS],
                "default_connection": name,
                "migrations": MIGRATIONS,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection_name(url: str) -> str:
    """Named by engine: tortoise caches SQL per connection name, and one process
    (the test suite) may use both engines in turn."""
    return "sqlite" if url.startswith("sqlite") else "postgres"


async def migrate(database_url: str) -> None:
    """Applies every pending migration; safe to run at each start, by several
    processes at once: on PostgreSQL one migrates while the others wait, then
    find nothing left to do."""
    async with exclusive(database_url, MIGRATIONS_LOCK):
        await run_migrations(config=tortoise_config(database_url))
        await Tortoise.close_connections()


async def connect(database_url: str) -> None:
    """Opens the connection for request handlers in any task of this process."""
    config = tortoise_config(database_url)
    await Tortoise.init(config=config, _enable_global_fallback=True)
    connection = connections.get(next(iter(config["connections"])))
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536;"
        )


async def close() -> None:
    await Tortoise.close_connections()


async def pending_migrations() -> list[str]:
    """Migrations in the code that the database has not recorded: none once this
    version's start-up migrated it; some while an older process serves a newer
    schema's code, or the other way round."""
    known = {m.name for m in pkgutil.iter_modules(import_module(MIGRATIONS).__path__)}
    rows = await fetch(
        None, "SELECT name FROM tortoise_migrations WHERE app = ?", ["models"], _Name
    )
    return sorted(known - {row.name for row in rows})


class _Name(NamedTuple):
    name: str
