"""How long pruning a finished job's rows holds SQLite, batch size by batch size.

For each batch size and pause it seeds one finished, reported job with
``--rows`` staged rows in a fresh SQLite file, then prunes them as the job
runner does (one batch per call, a pause between batches) while a second
connection, as another process would, writes a small transaction every 5 ms.
It prints the total time, rows per second, the median and longest batch, the
other writer's longest wait for the lock, and the event loop's worst stall.

    .venv/bin/python -m benchmarks.job_retention [--rows 500000]
        [--batches 1000 5000 20000] [--pauses 0 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.bulk_import import stall_meter
from storage import db
from storage.sql import execute
from storage.store import TortoiseStore

LONG_AGO = datetime.now(UTC) - timedelta(days=400)


async def seed(rows: int) -> None:
    """One job done and reported long ago, with ``rows`` staged rows."""
    await execute(
        None,
        "INSERT INTO bulk_jobs (kind, group_title, course_title, filename, columns, state, "
        "options, counts, results, notes, reason, rows_total, rows_done, checkpoint, channel, "
        "thread_ts, progress_ts, created_at, finished_at, reported_at, summary_ts, "
        "report_attempts) VALUES ('add members', 'Bench', '', 'bench.xlsx', 'username,email', "
        "'done', '{}', '{}', '{}', '[]', '', ?, ?, ?, 'D1', '1.1', '1.2', ?, ?, ?, '1.3', 0)",
        [rows, rows, rows + 1, LONG_AGO, LONG_AGO, LONG_AGO],
    )
    await execute(
        None,
        'INSERT INTO bulk_job_items (job_id, "row", username, email, first_name, last_name, '
        "tags, problem, course, progress, result) "
        "WITH RECURSIVE seq(n) AS (SELECT 2 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
        "SELECT 1, n, 'user' || n, 'user' || n || '@bench.school', 'Ada', 'Lovelace', "
        "'sales, emea', '', '', '', 'created and added' FROM seq",
        [rows + 1],
    )


def other_writer(path: Path, stop: threading.Event, waits: list[float]) -> None:
    """A second connection writing a row every 5 ms, timing each wait for the lock."""
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS bench_writes (at REAL)")
    while not stop.is_set():
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bench_writes VALUES (?)", [started])
        connection.execute("COMMIT")
        waits.append(time.perf_counter() - started)
        time.sleep(0.005)
    connection.close()


async def prune_all(rows: int, batch: int, pause: float, directory: Path) -> None:
    path = directory / f"prune-{batch}-{pause}.sqlite3"
    url = db.sqlite_url(path)
    await db.migrate(url)
    await db.connect(url)
    try:
        await seed(rows)
        store = TortoiseStore()
        stop, done = threading.Event(), asyncio.Event()
        waits: list[float] = []
        writer = threading.Thread(target=other_writer, args=(path, stop, waits))
        writer.start()
        stalls = asyncio.create_task(stall_meter(done))
        calls: list[float] = []
        now = datetime.now(UTC)
        started = time.perf_counter()
        while True:
            call = time.perf_counter()
            more = await store.bulk.prune_rows(finished_before=now, limit=batch, now=now)
            calls.append(time.perf_counter() - call)
            if not more:
                break
            await asyncio.sleep(pause)
        total = time.perf_counter() - started
        done.set()
        stop.set()
        writer.join()
        stall = await stalls
    finally:
        await db.close()
    print(
        f"batch {batch:>6,}, pause {pause * 1000:3.0f} ms: {total:6.2f} s for {rows:,} rows "
        f"({rows / total:9,.0f} rows/s); "
        f"a batch takes {statistics.median(calls) * 1000:6.1f} ms median, "
        f"{max(calls) * 1000:6.1f} ms at most; the other writer waited at most "
        f"{max(waits, default=0) * 1000:6.1f} ms; loop stall at most {stall * 1000:6.1f} ms"
    )


async def main(rows: int, batches: list[int], pauses: list[float]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for batch in batches:
            for pause in pauses:
                await prune_all(rows, batch, pause, Path(directory))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--batches", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--pauses", type=float, nargs="+", default=[0.0, 0.1])
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.batches, args.pauses))
