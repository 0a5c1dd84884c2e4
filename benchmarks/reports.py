"""How fast a group's report is counted and drawn, and what an export costs (SQLite).

Seeds one group of 10,000 members enrolled in 20 courses (200,000 enrolments,
with progress, completions, sign-ins and activity events), then prints, over
several runs with the chart renderer warm: the report's queries, the chart,
and the total; then the export of every row behind a report of 100,000
enrolments (XLSX and CSV written a page at a time), with its time and the
peak memory the process reached.

    .venv/bin/python benchmarks/reports.py [--members 10000] [--courses 20] [--runs 5]

``--database-url postgres://...`` runs the same against PostgreSQL; give it a
scratch database: the script migrates it, fills it and leaves the rows behind.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.report_chart import completion_png
from bot.report_export import write_exports
from bot.services import Services
from domain.entities import Actor
from domain.permissions import Capability
from domain.reports import LearnerRow, completion_series
from storage import db
from storage.sql import execute_many, fetch_ids
from storage.store import TortoiseStore

NOW = datetime.now(UTC).replace(microsecond=0)
TARGETS = {"report": 1.0, "export_mb": 200.0}
"""What the product wants on SQLite: seconds for a report, MB of peak memory for an
export. Printed beside the figures, never checked."""


async def seed(members: int, courses: int) -> None:
    rng = random.Random(7)
    await execute_many(
        None,
        "INSERT INTO courses (title, title_key, created_at) VALUES (?, ?, ?)",
        [(f"Course {c}", f"course {c}", NOW) for c in range(courses)],
    )
    await execute_many(
        None,
        "INSERT INTO groups (title, title_key, description, created_at, updated_at) "
        "VALUES (?, ?, '', ?, ?)",
        [("Everyone", "everyone", NOW, NOW)],
    )
    people = [
        (
            f"person{n:06d}@school.org",
            f"person{n:06d}",
            "active",
            False,
            NOW - timedelta(days=90),
            None if n % 7 == 0 else NOW - timedelta(days=rng.randint(0, 40)),
        )
        for n in range(members)
    ]
    await execute_many(
        None,
        "INSERT INTO users (email, username, status, is_admin, created_at, last_login_at,"
        " first_name, last_name) VALUES (?, ?, ?, ?, ?, ?, '', '')",
        people,
    )
    user_ids = await fetch_ids(None, "SELECT id FROM users ORDER BY id", [])
    course_ids = await fetch_ids(None, "SELECT id FROM courses ORDER BY id", [])
    group_id = (await fetch_ids(None, "SELECT id FROM groups", []))[0]
    await execute_many(
        None,
        "INSERT INTO memberships (group_id, user_id, joined_at, source) VALUES (?, ?, ?, 'manual')",
        [(group_id, u, NOW) for u in user_ids],
    )
    await execute_many(
        None,
        "INSERT INTO group_courses (group_id, course_id) VALUES (?, ?)",
        [(group_id, c) for c in course_ids],
    )
    for start in range(0, len(user_ids), 1000):
        rows, events = [], []
        for u in user_ids[start : start + 1000]:
            for c in course_ids:
                progress = rng.choice((0, 0, 20, 50, 80, 100))
                enrolled = NOW - timedelta(days=rng.randint(1, 80))
                done = enrolled + timedelta(days=rng.randint(1, 30)) if progress == 100 else None
                rows.append((u, c, enrolled, progress, done))
                if progress:
                    seen = NOW - timedelta(days=rng.randint(0, 30))
                    events.append((f"e{u}-{c}", "course_progress", u, c, "{}", seen, NOW))
        await execute_many(
            None,
            "INSERT INTO enrollments (user_id, course_id, enrolled_at, progress, completed_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        await execute_many(
            None,
            "INSERT INTO activity_events (event_id, type, user_id, course_id, payload,"
            " occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            events,
        )


async def bench(database_url: str, members: int, courses: int, runs: int) -> None:
    await db.migrate(database_url)
    await db.connect(database_url)
    started = time.perf_counter()
    await seed(members, courses)
    print(
        f"seeded {members:,} members in {courses} courses in {time.perf_counter() - started:.1f} s"
    )
    services = Services.build(TortoiseStore())
    admin = Actor("UBENCH", 1, True)
    group = await services.groups.resolve(admin, "Everyone", Capability.VIEW_ANALYTICS)
    await completion_png([("warm", 1.0)], "warm-up")
    queries, charts, totals = [], [], []
    report = None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = await services.reports.group_report(admin, group)
        t1 = time.perf_counter()
        await completion_png(completion_series(report.courses), "Everyone")
        t2 = time.perf_counter()
        queries.append(t1 - t0)
        charts.append(t2 - t1)
        totals.append(t2 - t0)
    assert report is not None
    enrolled = sum(s.enrolled for s in report.courses)
    print(
        f"report over {enrolled:,} enrolments (median of {runs}): "
        f"query {statistics.median(queries):.3f} s, chart {statistics.median(charts):.3f} s, "
        f"total {statistics.median(totals):.3f} s (target < {TARGETS['report']:.0f} s)"
    )
    await db.close()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        took, rows, size, peak, held = fresh.submit(_export_alone, database_url).result()
    print(
        f"export of {rows:,} rows: {took:.1f} s, xlsx {size:.1f} MB; peak memory of the process "
        f"{peak:.0f} MB (target < {TARGETS['export_mb']:.0f} MB), of which it held {held:.0f} MB "
        "before the export (Roster's modules, SQLite's page cache after the report)"
    )


def _export_alone(database_url: str) -> tuple[float, int, float, float, float]:
    """The export of the first 100,000 rows, in a process of its own: the seeding's
    lists would otherwise stay in this one's peak. Returns (seconds, rows, MB of
    xlsx, peak MB of the process, MB it held before the export)."""
    return asyncio.run(_export(database_url))


async def _export(database_url: str) -> tuple[float, int, float, float, float]:
    await db.connect(database_url)
    services = Services.build(TortoiseStore())
    admin = Actor("UBENCH", 1, True)
    group = await services.groups.resolve(admin, "Everyone", Capability.VIEW_ANALYTICS)
    report = await services.reports.group_report(admin, group)
    held = _resident_mb()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        limited = _first(services.reports.learners(admin, report), 100_000)
        files = await write_exports(limited, report, Path(folder), "export", zone="UTC")
        took = time.perf_counter() - started
        size = files.xlsx.stat().st_size / 2**20
    await db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return took, files.rows, size, peak, held


def _resident_mb() -> float:
    status = Path("/proc/self/status")
    if not status.exists():
        return float("nan")
    line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def _first(
    pages: AsyncIterator[list[LearnerRow]], limit: int
) -> AsyncIterator[list[LearnerRow]]:
    """The pages up to ``limit`` rows."""
    sent = 0
    async for page in pages:
        page = page[: limit - sent]
        sent += len(page)
        yield page
        if sent >= limit:
            return


async def main(members: int, courses: int, runs: int, database_url: str | None) -> None:
    if database_url:
        await bench(database_url, members, courses, runs)
        return
    with tempfile.TemporaryDirectory() as directory:
        await bench(db.sqlite_url(Path(directory) / "roster.sqlite3"), members, courses, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    asyncio.run(main(options.members, options.courses, options.runs, options.database_url))
