"""Sign-in and password-link tallies: one row per key, locked while an attempt is judged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.entities import Tally, Verdict
from storage.models import AttemptTallyRow
from storage.sql import execute_many


class AttemptStore:
    async def take(
        self, keys: Sequence[str], now: datetime, judge: Callable[[list[Tally]], Verdict]
    ) -> Verdict:
        """The rows are made first (outside the transaction, so two requests for a new
        key do not collide), then locked in key order, which cannot deadlock: on
        PostgreSQL with ``FOR UPDATE``, on SQLite by the one writer."""
        await execute_many(
            None,
            "INSERT INTO attempt_tallies (key, count, last_at) VALUES (?, 0, ?) "
            "ON CONFLICT (key) DO NOTHING",
            [(key, now) for key in sorted(set(keys))],
        )
        async with in_transaction() as conn:
            rows = {
                row.key: row
                for row in await AttemptTallyRow.filter(key__in=list(keys))
                .order_by("key")
                .select_for_update()
                .using_db(conn)
            }
            verdict = judge([_tally(key, rows.get(key)) for key in keys])
            if verdict.refused is None:
                for tally in verdict.tallies:
                    values = {"count": tally.count, "last_at": tally.last_at}
                    kept = await (
                        AttemptTallyRow.filter(key=tally.key).using_db(conn).update(**values)
                    )
                    if not kept:  # pruned between making and locking it
                        await AttemptTallyRow.create(key=tally.key, using_db=conn, **values)
        return verdict

    async def settle(self, *, clear: Sequence[str], lower: Sequence[str]) -> None:
        if clear:
            await AttemptTallyRow.filter(key__in=list(clear)).delete()
        if lower:
            await AttemptTallyRow.filter(key__in=list(lower), count__gt=0).update(
                count=F("count") - 1
            )

    async def forget_before(self, moment: datetime) -> int:
        return await AttemptTallyRow.filter(last_at__lt=moment).delete()


def _tally(key: str, row: AttemptTallyRow | None) -> Tally:
    """A row made for this attempt and never counted reads as no attempt at all."""
    if row is None or row.count == 0:
        return Tally(key)
    return Tally(key, row.count, row.last_at)
