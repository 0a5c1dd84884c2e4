"""School-wide settings, one JSON value per key."""

from __future__ import annotations

import json
from typing import Any

from storage.models import SchoolSettingRow
from storage.sql import fetch_ids


class SettingsStore:
    async def get(self, key: str, default: Any) -> Any:
        row = await SchoolSettingRow.get_or_none(key=key)
        return default if row is None else row.value

    async def put(self, key: str, value: Any) -> None:
        await SchoolSettingRow.update_or_create(defaults={"value": value}, key=key)

    async def change(self, key: str, value: Any) -> bool:
        """Stores ``value``; True only for the one caller that changed it. One
        statement, so two processes racing to do something once can't both win."""
        changed = await fetch_ids(
            None,
            "INSERT INTO school_settings (key, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = "
            "excluded.updated_at WHERE school_settings.value <> excluded.value RETURNING id",
            [key, json.dumps(value)],
        )
        return bool(changed)
