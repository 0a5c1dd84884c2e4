"""A bulk add end to end, against the raw limit of this machine (SQLite).

For each size it builds a file of new people and prints: parse time (the
reader alone), the used-range scan that runs before it (see
benchmarks/used_range.py), check time (scan, reading and validating, in the
worker process),
staging time (every checked row into the job's table), apply time (users,
memberships and invitation emails, chunk by chunk with checkpoints), the
end-to-end rate, the peak memory of the largest process, and the event loop's
worst stall while all of it runs. The raw limit is the same file read by
python-calamine and written with one ``executemany`` in one transaction.

    .venv/bin/python -m benchmarks.bulk_import [--sizes 10000 100000 500000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import sqlite3
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from multiprocessing import forkserver
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bot.app import build_services, settle_heap
from bot.settings import Settings
from bot.xlsx_extent import LIMITS, measure
from bot.xlsx_reader import SpreadsheetChecker
from domain.bulk.model import JobOptions, JobState
from domain.entities import Actor
from storage import db
from storage.models import UserRow

CHUNK = 1000


def build(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(["username", "email", "first name", "last name", "tags"])
    for n in range(rows):
        sheet.append([f"user{n}", f"user{n}@bench.school", "Ada", "Lovelace", "sales, emea"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def stall_meter(stop: asyncio.Event) -> float:
    """The longest the loop was late to wake a 10 ms sleeper."""
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        worst = max(worst, time.perf_counter() - started - 0.01)
    return worst


def raw_limit(data: bytes, directory: Path) -> tuple[float, float]:
    """(read seconds, write seconds): calamine rows, then one executemany."""
    started = time.perf_counter()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = [tuple(str(v) for v in r) for r in sheet.iter_rows()][1:]
    read = time.perf_counter() - started
    connection = sqlite3.connect(directory / "raw.sqlite3")
    connection.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT UNIQUE, "
        "first_name TEXT, last_name TEXT, tags TEXT)"
    )
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO users (username, email, first_name, last_name, tags) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    write = time.perf_counter() - started
    connection.close()
    return read, write


def scan_only(data: bytes) -> float:
    started = time.perf_counter()
    measure(zipfile.ZipFile(io.BytesIO(data)), LIMITS)
    return time.perf_counter() - started


def parse_only(data: bytes) -> float:
    started = time.perf_counter()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    for _ in sheet.iter_rows():
        pass
    return time.perf_counter() - started


async def import_once(rows: int, data: bytes, directory: Path) -> None:
    url = db.sqlite_url(directory / "roster.sqlite3")
    settings = Settings("xoxb-bench", "bench", database_url=url)
    await db.migrate(url)
    await db.connect(url)
    services = build_services(settings)
    admin_row = await UserRow.create(email="ada@bench.school", username="ada", is_admin=True)
    admin = Actor("UADMIN", admin_row.id, True)
    group = await services.groups.create(admin, title="Bench")
    checker = SpreadsheetChecker()
    settle_heap()
    stop = asyncio.Event()
    meter = asyncio.create_task(stall_meter(stop))

    started = time.perf_counter()
    checked = await checker.check(data)
    check_s = time.perf_counter() - started
    job = await services.bulk.stage(admin, group, "bench.xlsx", checked.tally, checked.chunks())
    stage_s = time.perf_counter() - started - check_s
    job, _ = await services.bulk.send_for_approval(admin, job.id)
    job, _ = await services.bulk.decide(
        admin, job.id, approve=True, options=JobOptions(invite=True), reason=""
    )
    job = await services.bulk.start(job)
    while job.state is JobState.RUNNING:
        job = await services.bulk.run_chunk(job, CHUNK)
    total = time.perf_counter() - started
    apply_s = total - check_s - stage_s

    stop.set()
    stall = await meter
    checker.close()
    await services.rules.settled()
    # Readers are the fork server's children; stopping it (it waits for them) makes
    # their peak memory count in this process's RUSAGE_CHILDREN.
    forkserver._forkserver._stop()
    await db.close()
    assert job.run.created == rows, job.run
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    parse_s = parse_only(data)
    scan_s = scan_only(data)
    read_s, write_s = raw_limit(data, directory)
    raw_rate = rows / (read_s + write_s)
    print(
        f"{rows:>7,} rows ({len(data) / 1e6:.1f} MB, {datetime.now(UTC):%H:%M} UTC)\n"
        f"   parse {parse_s:.2f} s · used-range scan {scan_s:.2f} s · check (scan + parse + "
        f"validate) {check_s:.2f} s (validate ≈ {max(check_s - parse_s - scan_s, 0):.2f} s) · "
        f"stage {stage_s:.2f} s · "
        f"apply {apply_s:.2f} s\n"
        f"   end to end {total:.2f} s = {rows / total:,.0f} rows/s; raw limit "
        f"(calamine {read_s:.2f} s + executemany {write_s:.2f} s) = {raw_rate:,.0f} rows/s; "
        f"ratio {rows / total / raw_rate:.2f}\n"
        f"   peak memory: main process {main:.0f} MB, largest worker {worker:.0f} MB; "
        f"worst event-loop stall {stall * 1000:.0f} ms"
    )


async def main(sizes: list[int]) -> None:
    for rows in sizes:
        data = build(rows)
        with tempfile.TemporaryDirectory() as directory:
            await import_once(rows, data, Path(directory))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    asyncio.run(main(parser.parse_args().sizes))
