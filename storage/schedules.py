"""Scheduled reports and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.entities import Course
from domain.schedules import (
    Cadence,
    Delivery,
    DeliveryState,
    Focus,
    NewSchedule,
    ReportKind,
    ReportSchedule,
    Timing,
)
from storage.models import ReportDeliveryRow, ReportScheduleRow


def _schedule(row: ReportScheduleRow) -> ReportSchedule:
    hours, minutes = row.at_time.split(":")
    return ReportSchedule(
        id=row.id,
        kind=ReportKind(row.kind),
        group_id=row.group_id,
        group_title=row.group.title,
        timing=Timing(Cadence(row.cadence), row.day, time(int(hours), int(minutes)), row.timezone),
        channel=row.channel,
        owner_id=row.owner_id,
        owner_slack_id=row.owner_slack_id,
        with_file=row.with_file,
        created_at=row.created_at,
        paused_at=row.paused_at,
        pause_reason=row.pause_reason,
        focus=Focus(
            Course(row.course_id, row.course_title) if row.course_id is not None else None,
            row.segment,
        ),
        post_empty=row.post_empty,
    )


def _columns(new: NewSchedule, now: datetime) -> dict[str, Any]:
    chosen = new.settings
    course = chosen.focus.course
    return {
        "kind": chosen.kind.value,
        "group_id": new.group_id,
        "cadence": chosen.timing.cadence.value,
        "day": chosen.timing.day,
        "at_time": f"{chosen.timing.at:%H:%M}",
        "timezone": chosen.timing.zone,
        "channel": chosen.channel,
        "owner_id": new.owner_id,
        "owner_slack_id": new.owner_slack_id,
        "with_file": chosen.with_file,
        "created_at": now,
        "course_id": course.id if course else None,
        "course_title": course.title if course else "",
        "segment": chosen.focus.segment,
        "post_empty": chosen.post_empty,
    }


def _delivery(row: ReportDeliveryRow) -> Delivery:
    return Delivery(
        row.id,
        row.schedule_id,
        row.period,
        DeliveryState(row.state),
        row.ts,
        row.error,
        row.attempts,
        row.updated_at,
    )


class ScheduleStore:
    async def create(self, new: NewSchedule, *, now: datetime) -> ReportSchedule:
        row = await ReportScheduleRow.create(**_columns(new, now))
        found = await self.get(row.id)
        assert found is not None
        return found

    async def update(self, schedule_id: int, new: NewSchedule, *, now: datetime) -> ReportSchedule:
        """Its settings replaced, and its periods counted from ``now``."""
        await ReportScheduleRow.filter(id=schedule_id).update(**_columns(new, now))
        found = await self.get(schedule_id)
        assert found is not None
        return found

    async def get(self, schedule_id: int) -> ReportSchedule | None:
        row = await ReportScheduleRow.get_or_none(id=schedule_id).prefetch_related("group")
        return _schedule(row) if row else None

    async def listed(self, group_ids: Sequence[int] | None) -> list[ReportSchedule]:
        query = ReportScheduleRow.all()
        if group_ids is not None:
            query = query.filter(group_id__in=list(group_ids))
        return [_schedule(r) for r in await query.order_by("id").prefetch_related("group")]

    async def set_paused(self, schedule_id: int, at: datetime | None, reason: str) -> None:
        await ReportScheduleRow.filter(id=schedule_id).update(paused_at=at, pause_reason=reason)

    async def delete(self, schedule_id: int) -> None:
        await ReportScheduleRow.filter(id=schedule_id).delete()

    async def claim(
        self, schedule_id: int, period: datetime, state: DeliveryState, *, now: datetime
    ) -> Delivery | None:
        try:
            async with in_transaction() as conn:
                row = await ReportDeliveryRow.create(
                    schedule_id=schedule_id,
                    period=period,
                    state=state.value,
                    updated_at=now,
                    using_db=conn,
                )
        except IntegrityError:
            return None
        return _delivery(row)

    async def move(
        self,
        delivery_id: int,
        before: DeliveryState,
        after: DeliveryState,
        *,
        now: datetime,
        ts: str = "",
        error: str = "",
    ) -> bool:
        counted = {"attempts": F("attempts") + 1} if after is DeliveryState.FAILED else {}
        changed = await ReportDeliveryRow.filter(id=delivery_id, state=before.value).update(
            state=after.value, ts=ts, error=error, updated_at=now, **counted
        )
        return bool(changed)

    async def in_state(self, state: DeliveryState) -> list[Delivery]:
        rows = await ReportDeliveryRow.filter(state=state.value).order_by("id")
        return [_delivery(r) for r in rows]

    async def deliveries(self, schedule_id: int) -> list[Delivery]:
        rows = await ReportDeliveryRow.filter(schedule_id=schedule_id).order_by("period", "id")
        return [_delivery(r) for r in rows]

    async def history(
        self, schedule_ids: Sequence[int], *, since: datetime | None, limit: int
    ) -> list[Delivery]:
        query = ReportDeliveryRow.filter(schedule_id__in=list(schedule_ids))
        if since is not None:
            query = query.filter(period__gte=since)
        rows = await query.order_by("-period", "-id").limit(limit)
        return [_delivery(r) for r in rows]
