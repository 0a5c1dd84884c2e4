"""School events: the log's query over a million events, what recording events costs a
bulk import, and the messages a subscribed channel gets for it (SQLite).

Prints, for each filter of ``/group log events`` over 1,000,000 events: p50 and p99 of
one page (25 events and the names they mention), first pages and pages deep into the
log by keyset; then a 100,000-row bulk add: its apply time, the time spent writing its
events (one INSERT … SELECT per chunk, timed inside the chunk's transaction) and their
share; then the top-level messages and thread replies the feed posts for it to a
channel following the group, in the Slack emulator.

    .venv/bin/python -m benchmarks.events [--events 1000000] [--rows 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from slack_sdk.web.async_client import AsyncWebClient
from tortoise.transactions import in_transaction

import storage.bulk
from bot.app import build_services
from bot.event_feed import EventFeed
from bot.settings import Settings
from bot.xlsx_reader import SpreadsheetChecker
from domain.bulk.model import JobOptions, JobState
from domain.entities import Actor
from domain.events.model import Cause, Cursor, EventFilter, EventType, How, SchoolEvent
from slack_emulator import SlackEmulator
from storage import db
from storage.events import record
from storage.models import UserRow
from storage.sql import execute_many
from storage.store import TortoiseStore

GROUPS, PEOPLE, COURSES = 200, 50_000, 20
PAGE = 25
RUNS = 200


def _events(count: int, now: datetime) -> list[SchoolEvent]:
    """Random types over a year; a third are of no group (a person's own events)."""
    kinds = list(EventType)
    pick = random.Random(count)
    hand = Cause(How.HAND, 1)
    return [
        SchoolEvent(
            pick.choice(kinds),
            now - timedelta(seconds=pick.randrange(365 * 86_400)),
            hand,
            user_id=pick.randrange(1, PEOPLE),
            group_id=None if pick.random() < 1 / 3 else pick.randrange(1, GROUPS),
            course_id=pick.randrange(1, COURSES),
            detail="50 %",
        )
        for _ in range(count)
    ]


async def _school(now: datetime) -> None:
    """The people and groups the events name: each person a member of one group, so
    a group's filter also reaches its members' events of no group."""
    await execute_many(
        None,
        "INSERT INTO users (id, email, username, status, is_admin, created_at) "
        "VALUES (?, ?, ?, 'active', ?, ?)",
        [(n, f"p{n}@bench.school", f"p{n}", False, now) for n in range(1, PEOPLE)],
    )
    await execute_many(
        None,
        "INSERT INTO groups (id, title, title_key, description, created_at, updated_at) "
        "VALUES (?, ?, ?, '', ?, ?)",
        [(g, f"Group {g}", f"group {g}", now, now) for g in range(1, GROUPS)],
    )
    await execute_many(
        None,
        "INSERT INTO memberships (group_id, user_id, joined_at) VALUES (?, ?, ?)",
        [(1 + n % (GROUPS - 1), n, now) for n in range(1, PEOPLE)],
    )


async def _fill(count: int, now: datetime) -> float:
    started = time.perf_counter()
    for start in range(0, count, 50_000):
        async with in_transaction() as conn:
            await record(conn, _events(min(50_000, count - start), now))
    return time.perf_counter() - started


def _percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms · p99 {p99 * 1000:6.1f} ms"


async def _timed(run: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def log_queries(count: int, directory: Path) -> None:
    url = db.sqlite_url(directory / "events.sqlite3")
    await db.migrate(url)
    await db.connect(url)
    now = datetime.now(UTC)
    await _school(now)
    filled = await _fill(count, now)
    print(f"{count:,} events written in {filled:.1f} s ({count / filled:,.0f} a second)")
    events = TortoiseStore().events
    filters = {
        "none": EventFilter(),
        "type completed": EventFilter(types=frozenset({EventType.COMPLETED})),
        "since 7d": EventFilter(since=now - timedelta(days=7)),
        "since 90d until 30d": EventFilter(
            since=now - timedelta(days=90), until=now - timedelta(days=30)
        ),
        "group": EventFilter(group_id=17),
        "person": EventFilter(user_id=4242),
        "type + group": EventFilter(types=frozenset({EventType.MEMBER_ADDED}), group_id=17),
        "manager's 5 groups": EventFilter(groups=frozenset(range(10, 15))),
        "manager's 5 groups, type": EventFilter(
            groups=frozenset(range(10, 15)), types=frozenset({EventType.ENROLLED})
        ),
    }
    for name, chosen in filters.items():
        first, deep = [], []
        cursor: Cursor | None = None
        for _ in range(RUNS // 2):
            first.append(await _timed(lambda c=chosen: events.page(c, after=None, limit=PAGE)))
        for _ in range(RUNS // 2):
            started = time.perf_counter()
            page = await events.page(chosen, after=cursor, limit=PAGE)
            deep.append(time.perf_counter() - started)
            cursor = page.next
        print(
            f"   {name:<26} first page {_percentiles(first)} · next pages (keyset, "
            f"{RUNS // 2} deep) {_percentiles(deep)}"
        )
    await db.close()


def _workbook(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(["username", "email", "first name", "last name", "tags"])
    for n in range(rows):
        sheet.append([f"user{n}", f"user{n}@bench.school", "Ada", "Lovelace", "sales"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class Stopwatch:
    """Time spent in the wrapped coroutine function, summed over its calls."""

    def __init__(self, work: Callable[..., Awaitable[None]]) -> None:
        self.work, self.seconds = work, 0.0

    async def __call__(self, *args: Any) -> None:
        started = time.perf_counter()
        await self.work(*args)
        self.seconds += time.perf_counter() - started


async def import_cost(rows: int, directory: Path) -> None:
    url = db.sqlite_url(directory / "import.sqlite3")
    await db.migrate(url)
    await db.connect(url)
    services = build_services(Settings("xoxb-bench", "bench", database_url=url))
    admin_row = await UserRow.create(email="ada@bench.school", username="ada", is_admin=True)
    admin = Actor("UADMIN", admin_row.id, True)
    group = await services.groups.create(admin, title="Spring Cohort")
    slack = SlackEmulator()
    await slack.start()
    channel = slack.add_channel("cohort", bot=True)
    await services.subscriptions.subscribe(admin, channel, ["Spring Cohort", "added"])
    checker = SpreadsheetChecker()
    checked = await checker.check(_workbook(rows))
    job = await services.bulk.stage(admin, group, "bench.xlsx", checked.tally, checked.chunks())
    job, _ = await services.bulk.send_for_approval(admin, job.id)
    job, _ = await services.bulk.decide(
        admin, job.id, approve=True, options=JobOptions(invite=True), reason=""
    )
    job = await services.bulk.start(job)
    watch = Stopwatch(storage.bulk._row_events)
    storage.bulk._row_events = watch  # type: ignore[assignment]
    started = time.perf_counter()
    while job.state is JobState.RUNNING:
        job = await services.bulk.run_chunk(job, 2000)
    apply_s = time.perf_counter() - started
    checker.close()
    await services.rules.settled()
    print(
        f"{rows:,}-row bulk add: apply {apply_s:.2f} s, of which writing its "
        f"{job.run.added:,} events {watch.seconds:.2f} s = {watch.seconds / apply_s:.1%}"
    )
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    ticks = itertools.count(step=10)
    feed = EventFeed(client, services, clock=lambda: float(next(ticks)))
    for _ in range(3):
        await feed.round()
    posted = [m for m in slack.messages if m.channel == channel]
    top = [m for m in posted if m.thread_ts is None]
    print(
        f"   the channel following Spring Cohort got {len(top)} message(s) and "
        f"{len(posted) - len(top)} thread reply(ies); first: {top[0].text[:90]!r}"
    )
    await slack.stop()
    await db.close()


async def main(count: int, rows: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        await log_queries(count, Path(directory))
    with tempfile.TemporaryDirectory() as directory:
        await import_cost(rows, Path(directory))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.rows))
