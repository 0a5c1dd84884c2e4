"""Connecting, migrating and closing the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations

MODELS = "storage.models"
MIGRATIONS = "storage.migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite://{path}"


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url.replace("postgresql://", "postgres://", 1)
    if url.startswith("postgres://"):
        url = url.replace("postgres://", "asyncpg://", 1)
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": [MODELS],
                "default_connection": "default",
                "migrations": MIGRATIONS,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(database_url: str) -> None:
    """Applies every pending migration; safe to run at each start."""
    await run_migrations(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def connect(database_url: str) -> None:
    """Opens the connection for request handlers in any task of this process."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    if connections.get("default").capabilities.dialect == "sqlite":
        connection = connections.get("default")
        await connection.execute_script("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;")


async def close() -> None:
    await Tortoise.close_connections()
