"""Channels following the school's events, each with where its feed got to."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from domain.events.model import EventType, Subscription
from storage.models import EventSubscriptionRow, SchoolEventRow


class SubscriptionStore:
    async def save(
        self, *, channel: str, group_id: int | None, types: frozenset[EventType], by: int | None
    ) -> tuple[Subscription, bool]:
        joined = ",".join(sorted(t.value for t in types))
        async with in_transaction() as conn:
            row = (
                await EventSubscriptionRow.filter(channel=channel, group_id=group_id)
                .using_db(conn)
                .select_for_update()
                .first()
            )
            created = row is None
            if row is None:
                newest = await SchoolEventRow.all().using_db(conn).order_by("-id").first()
                row = await EventSubscriptionRow.create(
                    channel=channel,
                    group_id=group_id,
                    types=joined,
                    created_by_id=by,
                    created_at=datetime.now(UTC),
                    cursor=newest.id if newest else 0,
                    using_db=conn,
                )
            else:
                row.types = joined
                await row.save(using_db=conn, update_fields=["types"])
        await row.fetch_related("group")
        return _subscription(row), created

    async def listing(self, group_ids: frozenset[int] | None) -> list[Subscription]:
        query = EventSubscriptionRow.all()
        if group_ids is not None:
            query = query.filter(group_id__in=sorted(group_ids) or [0])
        rows = await query.order_by("channel", "id").prefetch_related("group")
        return [_subscription(r) for r in rows]

    async def remove(self, subscription_id: int) -> bool:
        return bool(await EventSubscriptionRow.filter(id=subscription_id).delete())

    async def advance(self, subscription_id: int, cursor: int) -> None:
        await EventSubscriptionRow.filter(id=subscription_id, cursor__lt=cursor).update(
            cursor=cursor
        )


def _subscription(row: EventSubscriptionRow) -> Subscription:
    """``row`` with its group fetched."""
    group = row.group if row.group_id is not None else None
    types = frozenset(EventType(t) for t in row.types.split(",") if t)
    title = group.title if group is not None else ""
    return Subscription(row.id, row.channel, row.group_id, title, types, row.cursor)
