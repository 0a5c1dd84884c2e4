"""How fast a membership rule previews, applies, and follows one learner's progress (SQLite).

Seeds a school of varied people (a third at acme.com, tags, statuses, some never
signed in, one or two of three courses each with progress and completions),
then, through the real services, prints for one rule of a few conditions:
preview (the counts an admin sees before saving), the full preview list (the
file attached to it), the first apply (memberships, enrolments in the group's
courses, emails and events for everyone it adds), and the time from a
course-progress event that makes a learner match to their membership row,
learner by learner. Also the peak memory of the process.

    .venv/bin/python -m benchmarks.rules [--users 100000] [--runs 5] [--events 20]

``--database-url postgres://...`` runs the same against PostgreSQL; give it a
scratch database: the script migrates it, fills it and leaves the rows behind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from benchmarks.bulk_import import stall_meter
from bot.services import Services
from domain.entities import Actor, Group
from domain.permissions import Capability
from domain.validation import title_key
from storage import db
from storage.sql import execute, execute_many, fetch, fetch_ids, fetch_number
from storage.store import TortoiseStore

T = TypeVar("T")

NOW = datetime.now(UTC).replace(microsecond=0)
COURSES = ("Course 1", "Course 2", "Course 3")
DOMAINS = ("globex.org", "school.edu")
TAGS = ("sales, emea", "cs", "", "support, apac", "emea")
FIRST = ("Ada", "Grace", "Émile", "Alan", "Hedy", "Linus")
LAST = ("Lovelace", "Hopper", "Zola", "Turing", "Lamarr", "")
BROAD_RULE = 'status in ["invited", "active", "suspended"]'
RULE = (
    'email endswith "@acme.com" and (tag in ["sales", "cs"] or completed "Course 1") '
    'and progress "Course 2" at least 10'
)
TARGETS = {"preview": 2.0, "apply": 3.0, "event": 0.2, "stall": 0.1}
"""What the product wants on SQLite up to a million users, in seconds (the event to
membership at p99); printed beside the figures, never checked."""
POLL = 0.005
GIVE_UP = 30.0
MEMBER_OF_ACME = (
    "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id "
    "JOIN groups g ON g.id = m.group_id WHERE u.email = ? AND g.title = 'Acme'"
)


def _person(n: int, rng: random.Random, waiting: int) -> tuple[Any, ...]:
    """One users row, its tags last (they go to user_tags). The first ``waiting``
    people match the rule but for their Course 2 progress, so one progress event
    is all that stands between them and the group; everyone else is drawn at
    random."""
    if n < waiting:
        return (
            f"waiting{n:04d}@acme.com",
            f"waiting{n:04d}",
            "active",
            False,
            NOW - timedelta(days=30),
            NOW - timedelta(days=1),
            "Wait",
            "Ing",
            "sales, emea",
        )
    acme = rng.random() < 1 / 3
    domain = "acme.com" if acme else rng.choice(DOMAINS)
    status = rng.choice(("invited", "active"))
    signed_in = status == "active" and rng.random() < 0.8
    return (
        f"user{n:06d}@{domain}",
        f"user{n:06d}",
        status,
        False,
        NOW - timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86_399)),
        NOW - timedelta(days=rng.randint(0, 90)) if signed_in else None,
        rng.choice(FIRST),
        rng.choice(LAST),
        rng.choice(TAGS),
    )


def _enrolments(
    n: int, user_id: int, courses: dict[str, int], rng: random.Random, waiting: int
) -> list[tuple[Any, ...]]:
    """One or two courses each, about 30% completed; the waiting people are in
    Course 2 with no progress yet, since progress only counts in a course one is
    enrolled in."""
    if n < waiting:
        return [(user_id, courses["Course 2"], NOW, 0, None)]
    rows = []
    for title in rng.sample(COURSES, rng.choice((1, 2))):
        done = rng.random() < 0.3
        progress = 100 if done else rng.randint(0, 99)
        rows.append((user_id, courses[title], NOW, progress, NOW if done else None))
    return rows


class _Named(NamedTuple):
    id: int
    name: str


async def _ids(table: str, key: str) -> dict[str, int]:
    rows = await fetch(None, f"SELECT id, {key} AS name FROM {table}", [], _Named)
    return {r.name: r.id for r in rows}


async def seed(users: int, waiting: int) -> tuple[int, int]:
    """(users, enrolments) written with plain multi-row statements: the benchmark is
    about rules, so the school is built as fast as the database takes it."""
    rng = random.Random(20261201)
    await execute_many(
        None,
        "INSERT INTO courses (title, title_key, created_at) VALUES (?, ?, ?)",
        [(t, title_key(t), NOW) for t in COURSES],
    )
    await execute_many(
        None,
        "INSERT INTO groups (title, title_key, description, created_at, updated_at) "
        "VALUES (?, ?, '', ?, ?)",
        [(t, title_key(t), NOW, NOW) for t in ("Acme", "Sales")],
    )
    people = [_person(n, rng, waiting) for n in range(users)]
    await execute_many(
        None,
        "INSERT INTO users (email, username, status, is_admin, created_at, last_login_at, "
        "first_name, last_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [person[:-1] for person in people],
    )
    user_ids = await _ids("users", "email")
    await execute_many(
        None,
        "INSERT INTO user_tags (user_id, tag) VALUES (?, ?)",
        [(user_ids[p[0]], tag) for p in people for tag in p[-1].split(", ") if tag],
    )
    courses = await _ids("courses", "title")
    enrolments = [
        row
        for n, person in enumerate(people)
        for row in _enrolments(n, user_ids[person[0]], courses, rng, waiting)
    ]
    await execute_many(
        None,
        "INSERT INTO enrollments (user_id, course_id, enrolled_at, progress, completed_at) "
        "VALUES (?, ?, ?, ?, ?)",
        enrolments,
    )
    sales = (await _ids("groups", "title"))["Sales"]
    await execute_many(
        None,
        "INSERT INTO memberships (group_id, user_id, joined_at, source) VALUES (?, ?, ?, 'manual')",
        [
            (sales, user_ids[p[0]], NOW)
            for p in people[waiting:]
            if "sales" in p[8] and rng.random() < 0.5
        ],
    )
    return len(people), len(enrolments)


async def timed(action: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def until_member(email: str) -> None:
    """Returns once the membership row is there, polled far more often than a person
    could notice; a learner who never gets in stops the benchmark, since the
    figures would mean nothing."""
    started = time.perf_counter()
    while not await fetch_ids(None, MEMBER_OF_ACME, [email]):
        if time.perf_counter() - started > GIVE_UP:
            raise RuntimeError(f"{email} was not in Acme {GIVE_UP:.0f} s after the event")
        await asyncio.sleep(POLL)


async def event_to_membership(services: Services, emails: Sequence[str]) -> list[float]:
    """One live progress event per learner, each waited for before the next, so
    every figure is the whole path: ingest, the rule round, the membership."""
    took = []
    for n, email in enumerate(emails):
        events = services.activity.parse(
            {
                "id": f"bench-{n}",
                "type": "course_progress",
                "user": {"email": email},
                "course": "Course 2",
                "percent": 50,
            }
        )
        started = time.perf_counter()
        await services.activity.ingest(events)
        await until_member(email)
        took.append(time.perf_counter() - started)
    return took


def _ms(values: Sequence[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _target(seconds: float, name: str, sqlite: bool) -> str:
    """The product's target beside a figure; it is set for SQLite only."""
    if not sqlite:
        return ""
    limit = TARGETS[name]
    return f" (target < {limit:g} s: {'met' if seconds < limit else 'MISSED'})"


async def bench(database_url: str, users: int, runs: int, waiting: int) -> None:
    sqlite = database_url.startswith("sqlite")
    await db.migrate(database_url)
    await db.connect(database_url)
    took, (people, enrolled) = await timed(lambda: seed(users, waiting))
    print(
        f"seeded {people:,} users and {enrolled:,} enrolments in {took:.1f} s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if not sqlite:
        # What autovacuum would soon do after a bulk load; without it the planner
        # guesses from empty tables.
        await execute(None, "ANALYZE", [])

    services = Services.build(TortoiseStore())
    actor = Actor("UADMIN", None, is_admin=True)
    group: Group = await services.groups.resolve(actor, "Acme", Capability.VIEW_GROUPS)
    rule = await services.rules.read(actor, group, RULE)
    print(f"rule: {RULE}")

    previews = []
    for _ in range(runs):
        took, (draft, counts) = await timed(lambda: services.rules.preview(actor, group, rule))
        previews.append(took)
    print(
        f"preview ({runs} runs): p50 {_ms(previews, 50):.0f} ms, max {max(previews) * 1000:.0f} ms"
        f"{_target(max(previews), 'preview', sqlite)}; matching {counts.matching:,}, "
        f"added {counts.added:,}, removed {counts.removed:,}"
    )
    took, listed = await timed(lambda: services.rules.preview_list(actor, draft))
    assert listed is not None, "an admin may view users"
    print(f"preview list: {len(listed.added):,} to add in {took * 1000:.0f} ms")

    saved, _ = await services.rules.decide(actor, draft.id, save=True)
    took, run = await timed(lambda: services.rules.run(saved, "benchmark"))
    queued = await fetch_number(None, "SELECT COUNT(*) FROM outbox", [])
    print(
        f"apply: {len(run.added):,} added, {queued:,} emails queued, in {took:.2f} s"
        f"{_target(took, 'apply', sqlite)}"
    )

    emails = [f"waiting{n:04d}@acme.com" for n in range(waiting)]
    latencies = await event_to_membership(services, emails)
    if latencies:
        print(
            f"event to membership ({waiting} learners, one at a time): "
            f"p50 {_ms(latencies, 50):.0f} ms, p95 {_ms(latencies, 95):.0f} ms, "
            f"p99 {_ms(latencies, 99):.0f} ms, max {max(latencies) * 1000:.0f} ms"
            f"{_target(_ms(latencies, 99) / 1000, 'event', sqlite)}"
        )

    await services.rules.settled()
    await everyone(services, actor)
    await full_reevaluation(services, sqlite)
    # The broad apply touched everyone it added; their round must end before the
    # store closes, or it runs against a closed database.
    await services.rules.settled()
    await db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


async def full_reevaluation(services: Services, sqlite: bool) -> None:
    """Every group rule against everyone, as at start: nothing changes, so this is
    the cost of asking, and how long the loop is kept from Slack's acks meanwhile."""
    stop = asyncio.Event()
    meter = asyncio.create_task(stall_meter(stop))
    took, _ = await timed(lambda: services.rules.sweep(dated_only=False))
    stop.set()
    stall = await meter
    print(
        f"full re-evaluation (every rule, everyone): {took:.2f} s; worst event-loop stall "
        f"{stall * 1000:.0f} ms{_target(stall, 'stall', sqlite)}"
    )


async def everyone(services: Services, actor: Actor) -> None:
    """The worst case for apply: a rule every user meets, on a new group, so
    everyone is added (and emailed) in one run."""
    group = await services.groups.create(actor, title="Everyone")
    rule = await services.rules.read(actor, group, BROAD_RULE)
    took, (draft, counts) = await timed(lambda: services.rules.preview(actor, group, rule))
    print(f"broad rule ({BROAD_RULE}): preview {took * 1000:.0f} ms, {counts.added:,} to add")
    saved, _ = await services.rules.decide(actor, draft.id, save=True)
    stop = asyncio.Event()
    meter = asyncio.create_task(stall_meter(stop))
    took, run = await timed(lambda: services.rules.run(saved, "benchmark"))
    stop.set()
    print(
        f"broad apply: {len(run.added):,} added and emailed in {took:.2f} s; "
        f"worst event-loop stall {await meter * 1000:.0f} ms"
    )


async def main(users: int, runs: int, waiting: int, database_url: str | None) -> None:
    if database_url:
        await bench(database_url, users, runs, waiting)
        return
    with tempfile.TemporaryDirectory() as directory:
        await bench(db.sqlite_url(Path(directory) / "roster.sqlite3"), users, runs, waiting)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=20, help="learners for event to membership")
    parser.add_argument("--database-url", default=None, help="a scratch PostgreSQL database")
    options = parser.parse_args()
    waiting = min(options.events, options.users)
    asyncio.run(main(options.users, options.runs, waiting, options.database_url))
