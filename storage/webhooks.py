"""Webhook endpoints and the deliveries owed to them; their failures go to the log."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.events.model import SYSTEM, EventType, SchoolEvent
from domain.webhooks.model import Delivery, Endpoint
from storage.events import logged_events, record
from storage.models import SchoolEventRow, WebhookDeliveryRow, WebhookEndpointRow
from storage.sql import execute, fetch_ids, marks

PENDING, SENT, FAILED = "pending", "sent", "failed"


class WebhookStore:
    async def add(
        self, *, url: str, secret: str, types: frozenset[EventType], now: datetime
    ) -> Endpoint:
        newest = await SchoolEventRow.all().order_by("-id").first()
        row = await WebhookEndpointRow.create(
            url=url,
            secret=secret,
            types=",".join(sorted(t.value for t in types)),
            created_at=now,
            cursor=newest.id if newest else 0,
        )
        return _endpoint(row)

    async def listing(self) -> list[Endpoint]:
        return [_endpoint(r) for r in await WebhookEndpointRow.all().order_by("id")]

    async def remove(self, endpoint_id: int) -> Endpoint | None:
        async with in_transaction() as conn:
            row = await WebhookEndpointRow.get_or_none(id=endpoint_id, using_db=conn)
            if row is None:
                return None
            await row.delete(using_db=conn)
        return _endpoint(row)

    async def enable(self, endpoint_id: int, *, now: datetime) -> Endpoint | None:
        async with in_transaction() as conn:
            newest = await SchoolEventRow.all().using_db(conn).order_by("-id").first()
            changed = (
                await WebhookEndpointRow.filter(id=endpoint_id)
                .using_db(conn)
                .update(disabled_at=None, failing_since=None, cursor=newest.id if newest else 0)
            )
            row = await WebhookEndpointRow.get_or_none(id=endpoint_id, using_db=conn)
        return _endpoint(row) if changed and row is not None else None

    async def fan_out(self, *, limit: int, now: datetime, skip: frozenset[EventType]) -> int:
        """One INSERT … SELECT per endpoint, with its cursor moved in the same transaction."""
        made = 0
        for endpoint in await WebhookEndpointRow.filter(disabled_at=None):
            wanted = {t for t in endpoint.types.split(",") if t} or {t.value for t in EventType}
            kinds = sorted(wanted - {t.value for t in skip})
            async with in_transaction() as conn:
                newer = await fetch_ids(
                    conn,
                    "SELECT id FROM school_events WHERE id > ? ORDER BY id LIMIT ?",
                    [endpoint.cursor, limit],
                )
                if not newer:
                    continue
                upto = newer[-1]
                await execute(
                    conn,
                    "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, attempts, "
                    "created_at, next_attempt_at, last_error) SELECT ?, e.id, ?, 0, ?, ?, '' "
                    f"FROM school_events e WHERE e.id > ? AND e.id <= ? AND e.type IN "
                    f"({marks(len(kinds))})",
                    [endpoint.id, PENDING, now, now, endpoint.cursor, upto, *kinds],
                )
                await WebhookEndpointRow.filter(id=endpoint.id).using_db(conn).update(cursor=upto)
                made += len(newer)
        return made

    async def due(self, *, now: datetime, limit: int) -> list[Delivery]:
        rows = (
            await WebhookDeliveryRow.filter(
                state=PENDING, next_attempt_at__lte=now, endpoint__disabled_at=None
            )
            .order_by("next_attempt_at", "id")
            .limit(limit)
            .prefetch_related("endpoint")
        )
        events = {e.event.id: e for e in await logged_events([r.event_id for r in rows])}
        return [
            Delivery(r.id, _endpoint(r.endpoint), events[r.event_id], r.attempts, r.created_at)
            for r in rows
            if r.event_id in events
        ]

    async def delivered(self, delivery_id: int) -> None:
        async with in_transaction() as conn:
            row = await WebhookDeliveryRow.get(id=delivery_id, using_db=conn)
            row.state, row.attempts, row.last_error = SENT, row.attempts + 1, ""
            await row.save(using_db=conn, update_fields=["state", "attempts", "last_error"])
            await (
                WebhookEndpointRow.filter(id=row.endpoint_id)
                .using_db(conn)
                .update(failing_since=None)
            )

    async def retry(self, delivery_id: int, *, error: str, at: datetime, now: datetime) -> None:
        async with in_transaction() as conn:
            row = await WebhookDeliveryRow.get(id=delivery_id, using_db=conn)
            row.attempts, row.next_attempt_at, row.last_error = row.attempts + 1, at, error[:300]
            await row.save(
                using_db=conn, update_fields=["attempts", "next_attempt_at", "last_error"]
            )
            await _failing(row.endpoint_id, now, conn)

    async def give_up(self, delivery: Delivery, *, error: str, now: datetime) -> None:
        async with in_transaction() as conn:
            await (
                WebhookDeliveryRow.filter(id=delivery.id)
                .using_db(conn)
                .update(state=FAILED, attempts=delivery.attempts + 1, last_error=error[:300])
            )
            await _failing(delivery.endpoint.id, now, conn)
            event = delivery.event.event
            detail = f"{delivery.endpoint.url}: {event.type.value} #{event.id}: {error[:200]}"
            failed = SchoolEvent(EventType.WEBHOOK_FAILED, now, SYSTEM, detail=detail)
            await record(conn, [failed])

    async def disable(self, endpoint: Endpoint, *, now: datetime) -> bool:
        async with in_transaction() as conn:
            changed = (
                await WebhookEndpointRow.filter(id=endpoint.id, disabled_at=None)
                .using_db(conn)
                .update(disabled_at=now)
            )
            if changed:
                off = SchoolEvent(EventType.WEBHOOK_DISABLED, now, SYSTEM, detail=endpoint.url)
                await record(conn, [off])
        return bool(changed)


async def _failing(endpoint_id: int, now: datetime, conn: BaseDBAsyncClient) -> None:
    """The endpoint has been failing since now, unless it already was."""
    await (
        WebhookEndpointRow.filter(id=endpoint_id, failing_since=None)
        .using_db(conn)
        .update(failing_since=now)
    )


def _endpoint(row: WebhookEndpointRow) -> Endpoint:
    return Endpoint(
        row.id,
        row.url,
        row.secret,
        frozenset(EventType(t) for t in row.types.split(",") if t),
        row.created_at,
        row.cursor,
        row.failing_since,
        row.disabled_at,
    )
