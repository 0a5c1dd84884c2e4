"""Managers' grants, the school default and the log of changes, as storage/permissions.py
keeps them."""

from __future__ import annotations

from collections.abc import Collection

from domain.entities import PermissionChange
from tests.fakes.tables import ChangeRow, Database, IntegrityViolation


class FakePermissionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def grants(self, user_id: int) -> frozenset[str]:
        return frozenset(c for u, c in self._db.tables.grants if u == user_id)

    async def defaults(self) -> frozenset[str]:
        return frozenset(self._db.tables.default_capabilities)

    async def replace(
        self,
        subject_id: int | None,
        capabilities: Collection[str],
        *,
        changed_by: int | None,
        note: str,
    ) -> PermissionChange | None:
        with self._db.transaction():
            if subject_id is None:
                change = _replace_defaults(self._db, set(capabilities), changed_by, note)
            else:
                change = _replace_grants(self._db, subject_id, set(capabilities), changed_by, note)
        return _entity(self._db, change) if change else None

    async def history(self, subject_id: int | None, *, limit: int) -> list[PermissionChange]:
        rows = [c for c in self._db.tables.changes if c.subject_id == subject_id]
        rows.sort(key=lambda c: (c.at, c.id), reverse=True)
        return [_entity(self._db, c) for c in rows[:limit]]


def grant_defaults_to_new_managers(
    db: Database, user_ids: Collection[int], group_title: str, changed_by: int | None
) -> None:
    """The school default, copied to managers whose permissions were never set; the
    caller's transaction holds it, as in the real store."""
    users = db.tables.users
    fresh = [i for i in set(user_ids) if i in users and users[i].permissions_set_at is None]
    defaults = set(db.tables.default_capabilities)
    for user_id in sorted(fresh):
        note = f"school default on assignment to {group_title}"
        _replace_grants(db, user_id, defaults, changed_by, note)


def _replace_grants(
    db: Database, user_id: int, wanted: set[str], changed_by: int | None, note: str
) -> ChangeRow | None:
    """Marks the permissions as set even when nothing changes: from then on the school
    default is theirs no longer."""
    t = db.tables
    held = {c for u, c in t.grants if u == user_id}
    user = t.users.get(user_id)
    if user is not None:
        user.permissions_set_at = user.permissions_set_at or db.clock()
    if held == wanted:
        return None
    if user is None:
        raise IntegrityViolation(f"no user #{user_id}")
    t.grants = {(u, c) for u, c in t.grants if u != user_id} | {(user_id, c) for c in wanted}
    return _record(db, user_id, held, wanted, changed_by, note)


def _replace_defaults(
    db: Database, wanted: set[str], changed_by: int | None, note: str
) -> ChangeRow | None:
    held = set(db.tables.default_capabilities)
    if held == wanted:
        return None
    db.tables.default_capabilities = set(wanted)
    return _record(db, None, held, wanted, changed_by, note)


def _record(
    db: Database,
    subject_id: int | None,
    held: set[str],
    wanted: set[str],
    changed_by: int | None,
    note: str,
) -> ChangeRow:
    if changed_by is not None and changed_by not in db.tables.users:
        raise IntegrityViolation(f"no user #{changed_by}")
    row = ChangeRow(
        id=db.next_id(),
        subject_id=subject_id,
        changed_by_id=changed_by,
        granted=tuple(sorted(wanted - held)),
        revoked=tuple(sorted(held - wanted)),
        note=note[:200],
        at=db.clock(),
    )
    db.tables.changes.append(row)
    return row


def _entity(db: Database, row: ChangeRow) -> PermissionChange:
    """Who is named as they are now, as the real store reads them when asked."""
    by = row.changed_by_id
    return PermissionChange(
        subject=db.user(row.subject_id) if row.subject_id is not None else None,
        changed_by=db.user(by) if by is not None else None,
        granted=row.granted,
        revoked=row.revoked,
        note=row.note,
        at=row.at,
    )
