"""School-wide settings, one JSON value per key."""

from __future__ import annotations

from typing import Any

from storage.models import SchoolSettingRow


class SettingsStore:
    async def get(self, key: str, default: Any) -> Any:
        row = await SchoolSettingRow.get_or_none(key=key)
        return default if row is None else row.value

    async def put(self, key: str, value: Any) -> None:
        await SchoolSettingRow.update_or_create(defaults={"value": value}, key=key)
