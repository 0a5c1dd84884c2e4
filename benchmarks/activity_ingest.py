"""How many learning-activity events per second POST /api/activity ingests (SQLite).

Seeds users enrolled in courses, then posts signed events two ways: batches
(how a course player should send a backlog) and one event per request (how
it reports live), each with several requests in flight. Every event is new
and changes an enrolment, so each one costs a real write. The requests come
from processes of their own, as course players' would (``--players`` of them
for single events): signing and sending them does not take the server's event
loop, and one Python sender alone tops out near 2,500 requests a second.

    .venv/bin/python -m benchmarks.activity_ingest [--users 2000] [--events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import aiohttp

from bot.demo import ACTIVITY_SECRET, running_roster
from bot.web.activity_api import signed_headers
from storage.models import CourseRow, EnrollmentRow, UserRow

COURSES = 5


async def _seed(users: int) -> None:
    await CourseRow.bulk_create(
        [CourseRow(title=f"Course {c}", title_key=f"course {c}") for c in range(COURSES)]
    )
    await UserRow.bulk_create(
        [UserRow(email=f"l{i:06d}@bench.school", username=f"l{i:06d}") for i in range(users)],
        batch_size=1000,
    )
    user_ids = await UserRow.filter(email__endswith="@bench.school").values_list("id", flat=True)
    course_ids = await CourseRow.all().values_list("id", flat=True)
    await EnrollmentRow.bulk_create(
        [EnrollmentRow(user_id=u, course_id=c) for u in user_ids for c in course_ids],
        batch_size=2000,
    )


def _event(n: int, users: int, prefix: str) -> dict[str, object]:
    return {
        "id": f"{prefix}-{n}",
        "type": "course_progress",
        "user": {"email": f"l{n % users:06d}@bench.school"},
        "course": f"Course {n // users % COURSES}",
        "percent": 1 + n // (users * COURSES) % 99,
    }


async def _post(session: aiohttp.ClientSession, url: str, body: object) -> float:
    raw = json.dumps(body).encode()
    headers = signed_headers(ACTIVITY_SECRET, raw)
    started = time.perf_counter()
    async with session.post(f"{url}/api/activity", data=raw, headers=headers) as answer:
        assert answer.status == 200, await answer.text()
    return time.perf_counter() - started


def _player(
    url: str, bodies: list[object], in_flight: int, start_at: float
) -> tuple[float, list[float]]:
    """One course player, in its own process: (when it finished, each request's latency),
    having started at ``start_at`` with the others."""
    time.sleep(max(0.0, start_at - time.time()))
    latencies = asyncio.run(_send(url, bodies, in_flight))
    return time.time(), latencies


async def _run(
    url: str, bodies: list[object], in_flight: int, players: int
) -> tuple[float, list[float]]:
    """The bodies shared among ``players`` processes started together; (seconds until
    the last finished, every request's latency)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(players, mp_context=spawn) as pool:
        start_at = time.time() + 3.0
        shares = [bodies[n::players] for n in range(players)]
        runs = [pool.submit(_player, url, share, in_flight, start_at) for share in shares]
        done = await asyncio.gather(*(asyncio.wrap_future(run) for run in runs))
    return max(end for end, _ in done) - start_at, [x for _, each in done for x in each]


async def _send(url: str, bodies: list[object], in_flight: int) -> list[float]:
    queue = list(reversed(bodies))
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            while queue:
                latencies.append(await _post(session, url, queue.pop()))

        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return latencies


def _ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


async def main(users: int, events: int, batch: int, singles: int, players: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with running_roster(Path(directory), mail_poll=1.0) as running:
            await _seed(users)
            batched = [
                {"events": [_event(n, users, "b") for n in range(i, min(i + batch, events))]}
                for i in range(0, events, batch)
            ]
            took, latencies = await _run(running.url, batched, in_flight=4, players=1)
            print(
                f"batches of {batch}: {events} events in {took:.2f} s = "
                f"{events / took:,.0f} events/s; per request p50 {_ms(latencies, 50):.0f} ms, "
                f"p99 {_ms(latencies, 99):.0f} ms"
            )
            one_by_one = [_event(n, users, "s") for n in range(singles)]
            took, latencies = await _run(running.url, one_by_one, in_flight=16, players=players)
            print(
                f"one event per request, {players} players x 16 in flight: {singles} events in "
                f"{took:.2f} s = "
                f"{singles / took:,.0f} events/s; p50 {_ms(latencies, 50):.1f} ms, "
                f"p99 {_ms(latencies, 99):.1f} ms"
            )
            stored = await EnrollmentRow.filter(progress__gt=0).count()
            print(f"enrolments moved: {stored} of {users * COURSES}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument(
        "--players",
        type=int,
        default=2,
        help="processes sending single events, as many course players would",
    )
    options = parser.parse_args()
    asyncio.run(
        main(options.users, options.events, options.batch, options.singles, options.players)
    )
