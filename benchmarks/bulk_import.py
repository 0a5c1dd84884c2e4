"""A bulk add end to end against this machine's own limits, on SQLite and PostgreSQL.

For each engine and size it builds a file of new people and prints: parse
time (python-calamine alone), the check (used-range scan, reading and
validating, in the worker process), staging (every checked row into the job's
table), apply (users, tags, memberships and invitation emails, chunk by chunk
with checkpoints), the end-to-end rate, then the results file the admin gets
(outside the rate), the peak memory of the import's process and of its check
worker, and the event loop's worst stall while all of it runs.

Two limits are measured in the same run, on a fresh database with Roster's
own tables and indexes, so the ratios compare like with like:

- the single-table limit: the file read by python-calamine and its users
  written with one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL);
- the multi-table limit: the same read, then one ``executemany``/``COPY`` per
  table an import must write: users (and the ids back), user tags,
  memberships, one queued email per person (a reference to its template and
  its variables, the least a queued letter can be) and a per-row result.

Each import runs in a fresh process, so its peak memory is its own, not the
benchmark's. PostgreSQL is started the way the tests start it
(``tests/postgres.py``); without its server binaries it is skipped, saying so.

    .venv/bin/python -m benchmarks.bulk_import [--sizes 10000 100000 500000]
        [--engines sqlite postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

import asyncpg
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bot.app import build_services, settle_heap
from bot.settings import Settings
from bot.xlsx_reader import SpreadsheetChecker
from bot.xlsx_results import results_file
from domain.bulk.model import JobOptions, JobState
from domain.entities import Actor, Group, User, UserStatus
from domain.letters import Letters
from storage import db
from storage.models import UserRow
from tests.postgres import PostgresCluster, start_cluster

CHUNK = 1000
NOW = datetime(2026, 12, 1, tzinfo=UTC)


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


def peak_mb(pid: int | str = "self") -> float:
    """A process's own peak resident memory (``VmHWM``), 0 once it has gone.

    Not getrusage's figure: Linux carries a parent's peak into a child across
    ``exec``, so a fresh process would report the benchmark's own memory."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kilobytes = next((line.split()[1] for line in status.splitlines() if line[:6] == "VmHWM:"), 0)
    return int(kilobytes) / 1024


class ReaderPeaks(threading.Thread):
    """Watches the fork server's children (the readers) and keeps the highest peak
    any of them reached; they are read while they live, since a peak goes with its
    process."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.worst = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.02):
            server = forkserver._forkserver._forkserver_pid
            if server is None:
                continue
            self.worst = max(self.worst, peak_mb(server))
            try:
                children = Path(f"/proc/{server}/task/{server}/children").read_text().split()
            except OSError:
                continue
            for child in children:
                self.worst = max(self.worst, peak_mb(child))

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.worst


@dataclass(frozen=True)
class Imported:
    """What one import in its own process measured."""

    check: float
    stage: float
    apply: float
    results: float
    fork_server: float
    main_mb: float
    worker_mb: float
    stall: float

    @property
    def total(self) -> float:
        return self.check + self.stage + self.apply


async def import_once(url: str, data: bytes) -> Imported:
    """The whole import through the real services, as the bot runs it."""
    settings = Settings("xoxb-bench", "bench", database_url=url)
    await db.migrate(url)
    await db.connect(url)
    services = build_services(settings)
    admin_row = await UserRow.create(email="ada@bench.school", username="ada", is_admin=True)
    admin = Actor("UADMIN", admin_row.id, True)
    group = await services.groups.create(admin, title="Bench")
    checker = SpreadsheetChecker()
    readers = ReaderPeaks()
    readers.start()
    # The first upload also starts the readers' fork server; it is timed apart, so
    # the check below is what every later upload costs.
    started = time.perf_counter()
    (await checker.check(build(1))).discard()
    fork_server_s = time.perf_counter() - started
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
    apply_s = time.perf_counter() - started - check_s - stage_s
    started = time.perf_counter()
    await results_file(services.bulk, job)
    results_s = time.perf_counter() - started

    stop.set()
    stall = await meter
    checker.close()
    await services.rules.settled()
    await db.close()
    assert job.run.created == job.rows_total, job.run
    return Imported(
        check=check_s,
        stage=stage_s,
        apply=apply_s,
        results=results_s,
        fork_server=fork_server_s,
        main_mb=peak_mb(),
        worker_mb=readers.stop(),
        stall=stall,
    )


def read_rows(data: bytes) -> tuple[float, list[tuple[str, ...]]]:
    """The fastest read there is: python-calamine, every cell as text."""
    started = time.perf_counter()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = [tuple(str(v) for v in r) for r in sheet.iter_rows()][1:]
    return time.perf_counter() - started, rows


@dataclass(frozen=True)
class Limit:
    """Seconds per table written, in the order written; users first."""

    tables: dict[str, float]

    def single(self, read: float, rows: int) -> float:
        return rows / (read + self.tables["users"])

    def multi(self, read: float, rows: int) -> float:
        return rows / (read + sum(self.tables.values()))


def _people(rows: Sequence[tuple[str, ...]]) -> list[tuple[Any, ...]]:
    return [(r[1], r[0], "invited", False, NOW, r[2], r[3]) for r in rows]


_LETTERS = Letters("Bench School", "https://roster.example")
_GROUP = Group(1, "Bench", "", None, NOW, NOW)


def _letter(email: str, user_id: int) -> tuple[Any, ...]:
    """A queued invitation as the outbox keeps it: its layout and values."""
    user = User(user_id, email, email.split("@")[0], UserStatus.INVITED)
    letter = _LETTERS.invitation(user, _GROUP, []).letter
    return (user_id, email, "invitation", json.dumps(letter.values()), NOW)


def sqlite_limit(rows: list[tuple[str, ...]], path: Path, multi: bool) -> Limit:
    """One executemany per table, each in its own transaction, on Roster's schema."""
    connection = sqlite3.connect(path)
    tables: dict[str, float] = {}

    def timed(name: str, sql: str, values: Sequence[tuple[Any, ...]]) -> None:
        started = time.perf_counter()
        with connection:
            connection.executemany(sql, values)
        tables[name] = time.perf_counter() - started

    timed(
        "users",
        "INSERT INTO users (email, username, status, is_admin, created_at, first_name, "
        "last_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
        _people(rows),
    )
    if not multi:
        connection.close()
        return Limit(tables)
    started = time.perf_counter()
    ids = dict(connection.execute("SELECT email, id FROM users"))
    tables["users"] += time.perf_counter() - started
    group = connection.execute(
        "INSERT INTO groups (title, title_key, description, created_at, updated_at) "
        "VALUES ('Bench', 'bench', '', ?, ?) RETURNING id",
        (NOW, NOW),
    ).fetchone()[0]
    timed(
        "tags",
        "INSERT INTO user_tags (user_id, tag) VALUES (?, ?)",
        [(ids[r[1]], t.strip()) for r in rows for t in r[4].split(",") if t.strip()],
    )
    timed(
        "memberships",
        "INSERT INTO memberships (group_id, user_id, joined_at, source) VALUES (?, ?, ?, 'manual')",
        [(group, ids[r[1]], NOW) for r in rows],
    )
    timed(
        "emails",
        "INSERT INTO outbox (user_id, to_address, subject, text_body, html_body, layout, "
        "letter_values, trigger, state, attempts, last_error, next_attempt_at, created_at) "
        "VALUES (?, ?, '', '', '', 'action', ?, ?, 'queued', 0, '', ?, ?)",
        [
            (user_id, email, variables, trigger, now, now)
            for user_id, email, trigger, variables, now in (_letter(r[1], ids[r[1]]) for r in rows)
        ],
    )
    connection.execute("CREATE TABLE bench_results (job_id INT, row INT, result TEXT)")
    timed(
        "results",
        "INSERT INTO bench_results (job_id, row, result) VALUES (1, ?, 'created')",
        [(n,) for n in range(len(rows))],
    )
    connection.close()
    return Limit(tables)


async def postgres_limit(rows: list[tuple[str, ...]], url: str, multi: bool) -> Limit:
    """One COPY per table, on Roster's schema."""
    connection = await asyncpg.connect(url)
    tables: dict[str, float] = {}

    async def timed(
        name: str, table: str, columns: list[str], values: list[tuple[Any, ...]]
    ) -> None:
        started = time.perf_counter()
        await connection.copy_records_to_table(table, records=values, columns=columns)
        tables[name] = time.perf_counter() - started

    await timed(
        "users",
        "users",
        ["email", "username", "status", "is_admin", "created_at", "first_name", "last_name"],
        _people(rows),
    )
    if not multi:
        await connection.close()
        return Limit(tables)
    started = time.perf_counter()
    ids = {r["email"]: r["id"] for r in await connection.fetch("SELECT email, id FROM users")}
    tables["users"] += time.perf_counter() - started
    group = await connection.fetchval(
        "INSERT INTO groups (title, title_key, description, created_at, updated_at) "
        "VALUES ('Bench', 'bench', '', $1, $1) RETURNING id",
        NOW,
    )
    await timed(
        "tags",
        "user_tags",
        ["user_id", "tag"],
        [(ids[r[1]], t.strip()) for r in rows for t in r[4].split(",") if t.strip()],
    )
    await timed(
        "memberships",
        "memberships",
        ["group_id", "user_id", "joined_at", "source"],
        [(group, ids[r[1]], NOW, "manual") for r in rows],
    )
    await timed(
        "emails",
        "outbox",
        [
            "user_id",
            "to_address",
            "subject",
            "text_body",
            "html_body",
            "layout",
            "letter_values",
            "trigger",
            "state",
            "attempts",
            "last_error",
            "next_attempt_at",
            "created_at",
        ],
        [
            (user_id, email, "", "", "", "action", variables, trigger, "queued", 0, "", now, now)
            for user_id, email, trigger, variables, now in (_letter(r[1], ids[r[1]]) for r in rows)
        ],
    )
    await connection.execute("CREATE TABLE bench_results (job_id INT, row INT, result TEXT)")
    await timed(
        "results",
        "bench_results",
        ["job_id", "row", "result"],
        [(1, n, "created") for n in range(len(rows))],
    )
    await connection.close()
    return Limit(tables)


class Engine:
    """Where the databases of one engine come from."""

    name = "SQLite"

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._count = 0

    async def fresh(self) -> str:
        self._count += 1
        return db.sqlite_url(self._directory / f"roster{self._count}.sqlite3")

    async def limit(self, rows: list[tuple[str, ...]], multi: bool) -> Limit:
        url = await self.fresh()
        await db.migrate(url)
        await db.close()
        return sqlite_limit(rows, Path(url.removeprefix("sqlite://")), multi)


class Postgres(Engine):
    name = "PostgreSQL"

    def __init__(self, directory: Path, cluster: PostgresCluster) -> None:
        super().__init__(directory)
        self._cluster = cluster

    async def fresh(self) -> str:
        self._count += 1
        name = f"bench_{self._count}"
        admin = await asyncpg.connect(self._cluster.admin_url)
        await admin.execute(f"CREATE DATABASE {name}")
        await admin.close()
        return self._cluster.url(name)

    async def limit(self, rows: list[tuple[str, ...]], multi: bool) -> Limit:
        url = await self.fresh()
        await db.migrate(url)
        await db.close()
        return await postgres_limit(rows, url, multi)


def run_import(url: str, path: Path) -> Imported:
    """The import in a fresh process of its own, so its memory is measured alone."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bulk_import", "--one", url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return Imported(**json.loads(done.stdout.strip().splitlines()[-1]))


async def measure_one(engine: Engine, rows: int, path: Path) -> None:
    data = await asyncio.to_thread(path.read_bytes)
    url = await engine.fresh()
    imported = await asyncio.to_thread(run_import, url, path)
    read_s, people = read_rows(data)
    single = await engine.limit(people, multi=False)
    multi = await engine.limit(people, multi=True)
    rate = rows / imported.total
    single_rate, multi_rate = single.single(read_s, rows), multi.multi(read_s, rows)
    tables = " + ".join(f"{name} {s:.2f}" for name, s in multi.tables.items())
    print(
        f"{engine.name}, {rows:,} rows ({len(data) / 1e6:.1f} MB, {datetime.now(UTC):%H:%M} UTC, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n"
        f"   parse {read_s:.2f} s · check (scan + parse + validate) {imported.check:.2f} s · "
        f"stage {imported.stage:.2f} s · apply {imported.apply:.2f} s "
        f"(then the results file {imported.results:.2f} s; the first upload also starts the "
        f"fork server, {imported.fork_server:.2f} s)\n"
        f"   end to end {imported.total:.2f} s = {rate:,.0f} rows/s\n"
        f"   single-table limit: read {read_s:.2f} s + users {single.tables['users']:.2f} s "
        f"= {single_rate:,.0f} rows/s; ratio {rate / single_rate:.2f}\n"
        f"   multi-table limit: read {read_s:.2f} s + {tables} s = {multi_rate:,.0f} rows/s; "
        f"ratio {rate / multi_rate:.2f}\n"
        f"   peak memory: import process {imported.main_mb:.0f} MB, check worker "
        f"{imported.worker_mb:.0f} MB; worst event-loop stall {imported.stall * 1000:.0f} ms",
        flush=True,
    )


async def main(sizes: list[int], engines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        files = {}
        for rows in sizes:
            files[rows] = root / f"bench{rows}.xlsx"
            files[rows].write_bytes(build(rows))
        chosen: list[Engine] = []
        cluster = None
        if "sqlite" in engines:
            chosen.append(Engine(root))
        if "postgres" in engines:
            cluster = start_cluster()
            if cluster is None:
                print("PostgreSQL skipped: no initdb or pg_ctl here (apt-get install postgresql)")
            else:
                chosen.append(Postgres(root, cluster))
        try:
            for engine in chosen:
                for rows in sizes:
                    await measure_one(engine, rows, files[rows])
        finally:
            if cluster is not None:
                cluster.stop()


def one(url: str, path: str) -> None:
    """The child's side of :func:`run_import`: its figures as one JSON line."""
    imported = asyncio.run(import_once(url, Path(path).read_bytes()))
    print(json.dumps(imported.__dict__))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--one", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        one(*options.one)
    else:
        asyncio.run(main(options.sizes, options.engines))
