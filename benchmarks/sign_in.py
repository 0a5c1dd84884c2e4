"""Prints what a sign-in flood costs, and how /forgot times known and unknown addresses.

    .venv/bin/python -m benchmarks.sign_in [--guesses 200] [--asks 40]

Runs the real app on loopback with a temporary SQLite file, behind loopback
as a trusted proxy so each request can name its own client address:

- a flood of simultaneous wrong guesses at one learner's email, from one
  client and then each from its own address: how many Argon2 checks ran, the
  answers, and /healthz latency meanwhile (the event loop and the default
  executor stay free);
- the same guesses sprayed over as many emails from one address;
- /forgot for learners and for unknown addresses, interleaved, each from its
  own address: the answer times side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_network
from pathlib import Path

import aiohttp

from bot.app import SERVICES, running_on_loopback
from bot.services import Services
from bot.settings import Settings
from local_smtp import MailServer, free_port
from slack_emulator import SlackEmulator
from storage.models import UserRow

PASSWORD = "correct horse battery"


@asynccontextmanager
async def roster(directory: Path) -> AsyncIterator[tuple[Services, str]]:
    slack = SlackEmulator()
    await slack.start()
    mail = MailServer()
    mail.start()
    port = free_port()
    settings = Settings(
        slack_bot_token=slack.bot_token,
        slack_signing_secret="bench",
        slack_api_url=slack.api_url,
        database_url=f"sqlite://{directory / 'bench.sqlite3'}",
        smtp_url=mail.url,
        public_base_url=f"http://127.0.0.1:{port}",
        trusted_proxies=frozenset({ip_network("127.0.0.1/32")}),
    )
    try:
        async with running_on_loopback(settings, port=port) as (app, url):
            yield app[SERVICES], url
    finally:
        mail.stop()
        await slack.stop()


async def seed(services: Services, learners: int) -> None:
    digest = await services.accounts.hasher.hash(PASSWORD)
    await UserRow.bulk_create(
        [
            UserRow(
                email=f"learner{i}@bench.school",
                username=f"learner{i}",
                status="active",
                password_hash=digest,
            )
            for i in range(learners)
        ]
    )


async def post(
    session: aiohttp.ClientSession, url: str, form: dict[str, str], client: str
) -> tuple[int, float]:
    started = time.perf_counter()
    async with session.post(url, data=form, headers={"X-Forwarded-For": client}) as answer:
        await answer.read()
        return answer.status, time.perf_counter() - started


async def while_probing(url: str, work: asyncio.Future) -> list[float]:
    """/healthz latencies, every 20 ms, until ``work`` is done."""
    latencies = []
    async with aiohttp.ClientSession() as probe:
        while not work.done():
            started = time.perf_counter()
            async with probe.get(f"{url}/healthz") as answer:
                await answer.read()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
    return latencies


async def flood(
    services: Services, url: str, label: str, forms: list[dict[str, str]], clients: list[str]
) -> None:
    hasher = services.accounts.hasher
    before = hasher.verifications
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        work = asyncio.ensure_future(
            asyncio.gather(
                *(post(session, f"{url}/login", f, c) for f, c in zip(forms, clients, strict=True))
            )
        )
        probes = await while_probing(url, work)
        answers = await work
        took = time.perf_counter() - started
    statuses = dict(sorted(Counter(status for status, _ in answers).items()))
    print(
        f"{label}: {len(forms)} requests in {took:.2f} s; answers {statuses}; "
        f"Argon2 checks run: {hasher.verifications - before}"
    )
    print(
        f"  /healthz meanwhile: {len(probes)} probes, p50 {statistics.median(probes) * 1000:.1f} "
        f"ms, max {max(probes) * 1000:.1f} ms"
    )


async def forgot_timing(url: str, asks: int) -> None:
    times: dict[str, list[float]] = {"learner": [], "unknown": []}
    async with aiohttp.ClientSession() as session:
        for i in range(asks):
            for kind, email in (
                ("learner", f"learner{i}@bench.school"),
                ("unknown", f"nobody{i}@bench.school"),
            ):
                client = f"198.51.{100 + i // 200}.{i % 200 + (1 if kind == 'learner' else 50)}"
                status, took = await post(session, f"{url}/forgot", {"email": email}, client)
                assert status == 200, status
                times[kind].append(took)
    for kind, values in times.items():
        print(
            f"/forgot for {kind} addresses: median {statistics.median(values) * 1000:.2f} ms, "
            f"p90 {sorted(values)[int(len(values) * 0.9)] * 1000:.2f} ms ({len(values)} asks)"
        )


async def main(guesses: int, asks: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with roster(Path(directory)) as (services, url):
            await seed(services, max(asks, 1))
            wrong = [
                {"email": "learner0@bench.school", "password": f"guess {n}"} for n in range(guesses)
            ]
            await flood(services, url, "One email, one client", wrong, ["203.0.113.7"] * guesses)
            others = [f"10.{n // 250}.{n % 250}.1" for n in range(guesses)]
            wrong1 = [{**f, "email": "learner1@bench.school"} for f in wrong]
            await flood(services, url, "One email, every guess its own client", wrong1, others)
            spray = [
                {"email": f"learner{n % max(asks, 1)}x{n}@bench.school", "password": "Summer2026!"}
                for n in range(guesses)
            ]
            await flood(
                services,
                url,
                "Sprayed over many emails, one client",
                spray,
                ["192.0.2.1"] * guesses,
            )
            await forgot_timing(url, asks)
            await services.resets.settled()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guesses", type=int, default=200)
    parser.add_argument("--asks", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.guesses, args.asks))
