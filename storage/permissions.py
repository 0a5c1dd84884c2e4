"""Managers' capability grants, the school default, and the log of changes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.entities import PermissionChange
from domain.events.model import Cause, SchoolEvent
from domain.events.model import EventType as Kind
from storage import convert
from storage.events import record
from storage.models import (
    CapabilityGrantRow,
    DefaultCapabilityRow,
    PermissionChangeRow,
    UserRow,
)


class PermissionStore:
    async def grants(self, user_id: int) -> frozenset[str]:
        keys = await CapabilityGrantRow.filter(user_id=user_id).values_list("capability", flat=True)
        return frozenset(str(k) for k in keys)

    async def defaults(self) -> frozenset[str]:
        keys = await DefaultCapabilityRow.all().values_list("capability", flat=True)
        return frozenset(str(k) for k in keys)

    async def replace(
        self,
        subject_id: int | None,
        capabilities: Collection[str],
        *,
        changed_by: int | None,
        note: str,
    ) -> PermissionChange | None:
        async with in_transaction() as conn:
            if subject_id is None:
                change = await _replace_defaults(set(capabilities), changed_by, note, conn)
            else:
                change = await _replace_grants(
                    subject_id, set(capabilities), changed_by, note, conn
                )
        return await _hydrate(change) if change else None

    async def history(self, subject_id: int | None, *, limit: int) -> list[PermissionChange]:
        rows = (
            await PermissionChangeRow.filter(subject_id=subject_id)
            .order_by("-at", "-id")
            .limit(limit)
            .prefetch_related("subject", "changed_by")
        )
        return [_entity(r) for r in rows]


async def grant_defaults_to_new_managers(
    user_ids: Collection[int], group_title: str, changed_by: int | None, conn: BaseDBAsyncClient
) -> None:
    """Copies the school default to managers whose permissions were never set.

    Runs inside the transaction that assigns them, so a manager never exists
    without a permission set.
    """
    fresh = cast(
        list[int],
        await UserRow.filter(id__in=list(user_ids), permissions_set_at=None)
        .using_db(conn)
        .values_list("id", flat=True),
    )
    if not fresh:
        return
    defaults = set(
        cast(
            list[str],
            await DefaultCapabilityRow.all().using_db(conn).values_list("capability", flat=True),
        )
    )
    for user_id in fresh:
        await _replace_grants(
            int(user_id),
            defaults,
            changed_by,
            f"school default on assignment to {group_title}",
            conn,
        )


async def _replace_grants(
    user_id: int, wanted: set[str], changed_by: int | None, note: str, conn: BaseDBAsyncClient
) -> PermissionChangeRow | None:
    held = set(
        cast(
            list[str],
            await CapabilityGrantRow.filter(user_id=user_id)
            .using_db(conn)
            .values_list("capability", flat=True),
        )
    )
    await (
        UserRow.filter(id=user_id, permissions_set_at=None)
        .using_db(conn)
        .update(permissions_set_at=datetime.now(UTC))
    )
    if held == wanted:
        return None
    await (
        CapabilityGrantRow.filter(user_id=user_id, capability__in=list(held - wanted))
        .using_db(conn)
        .delete()
    )
    await CapabilityGrantRow.bulk_create(
        [CapabilityGrantRow(user_id=user_id, capability=c) for c in sorted(wanted - held)],
        using_db=conn,
    )
    return await _record(user_id, held, wanted, changed_by, note, conn)


async def _replace_defaults(
    wanted: set[str], changed_by: int | None, note: str, conn: BaseDBAsyncClient
) -> PermissionChangeRow | None:
    held = set(
        cast(
            list[str],
            await DefaultCapabilityRow.all().using_db(conn).values_list("capability", flat=True),
        )
    )
    if held == wanted:
        return None
    await DefaultCapabilityRow.filter(capability__in=list(held - wanted)).using_db(conn).delete()
    await DefaultCapabilityRow.bulk_create(
        [DefaultCapabilityRow(capability=c) for c in sorted(wanted - held)], using_db=conn
    )
    return await _record(None, held, wanted, changed_by, note, conn)


async def _record(
    subject_id: int | None,
    held: set[str],
    wanted: set[str],
    changed_by: int | None,
    note: str,
    conn: BaseDBAsyncClient,
) -> PermissionChangeRow:
    """The change's line in the permissions history, and its school event (a change to
    the school default concerns no one person)."""
    granted, revoked = ",".join(sorted(wanted - held)), ",".join(sorted(held - wanted))
    change = await PermissionChangeRow.create(
        subject_id=subject_id,
        changed_by_id=changed_by,
        granted=granted,
        revoked=revoked,
        note=note[:200],
        using_db=conn,
    )
    parts = (f"granted {granted}" if granted else "", f"revoked {revoked}" if revoked else "")
    detail = "; ".join(part for part in parts if part)
    event = SchoolEvent(
        Kind.PERMISSIONS_CHANGED,
        change.at,
        Cause.hand(changed_by),
        subject_id,
        detail=detail or "school default",
    )
    await record(conn, [event])
    return change


async def _hydrate(row: PermissionChangeRow) -> PermissionChange:
    await row.fetch_related("subject", "changed_by")
    return _entity(row)


def _entity(row: PermissionChangeRow) -> PermissionChange:
    return PermissionChange(
        subject=convert.user(row.subject) if row.subject else None,
        changed_by=convert.user(row.changed_by) if row.changed_by else None,
        granted=tuple(k for k in row.granted.split(",") if k),
        revoked=tuple(k for k in row.revoked.split(",") if k),
        note=row.note,
        at=row.at,
    )
