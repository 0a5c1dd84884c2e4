"""Roster on one PostgreSQL with 1 and with 3 `roster serve` processes, started as
an operator starts them: ack latency for concurrent `/group` commands spread over
the processes, emails delivered per second, and (with 3) how long another process
takes to lead the scheduled work once the leader is killed.

    .venv/bin/python -m benchmarks.several_processes [--commands 100] [--emails 2000]

Needs PostgreSQL's binaries (initdb, pg_ctl), as the test suite does.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg

from domain.clock import utc_now
from domain.letters import Layout, Letter, OutgoingEmail, Trigger
from local_smtp import MailServer
from slack_emulator import SlackDriver
from storage import db
from storage.store import TortoiseStore
from tests.bot.conftest import ADMIN, SIGNING_SECRET, workspace
from tests.bot.serve_processes import Serve, processes
from tests.postgres import PostgresCluster, start_cluster
from tests.waiting import eventually


async def measure(cluster: PostgresCluster, count: int, commands: int, emails: int) -> None:
    name = f"bench_{count}"
    admin = await asyncpg.connect(cluster.admin_url)
    await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    url = cluster.url(name)
    slack, mail = await workspace(pace=1.0), MailServer()
    mail.start()
    with tempfile.TemporaryDirectory() as logs:
        async with (
            processes(url, slack, mail, Path(logs), count=count) as serves,
            aiohttp.ClientSession() as session,
        ):
            drivers = [SlackDriver(slack, s.url, SIGNING_SECRET, session) for s in serves]
            with slack.unlimited():
                acks = await _acks(drivers, commands)
            await db.connect(url)
            try:
                rate = await _delivery(mail, emails)
            finally:
                await db.close()
            print(
                f"{count} process(es): {commands} concurrent commands, ack p50 "
                f"{statistics.median(acks) * 1000:.0f} ms, p99 "
                f"{statistics.quantiles(acks, n=100)[98] * 1000:.0f} ms, "
                f"{sum(a >= 3.0 for a in acks)} missed Slack's 3 s; "
                f"{emails} emails at {rate:.0f}/s"
            )
            if count > 1:
                print(f"  leader killed: another leads after {await _failover(serves):.1f} s")
    mail.stop()
    await slack.stop()


async def _acks(drivers: list[SlackDriver], commands: int) -> list[float]:
    async def one(driver: SlackDriver) -> float:
        """Seconds to the ack; Slack's 3 s (the driver gives up then) when none came."""
        started = time.perf_counter()
        answered = await driver.command(ADMIN, "list")
        return time.perf_counter() - started if answered.status == 200 else 3.0

    spread = itertools.islice(itertools.cycle(drivers), commands)
    return list(await asyncio.gather(*(one(d) for d in spread)))


async def _delivery(mail: MailServer, emails: int) -> float:
    outbox = TortoiseStore().outbox
    letters = [
        OutgoingEmail(
            f"p{n}@school.org",
            "Welcome",
            Letter(Layout.NOTICE, "Ada", "text", "School"),
            Trigger.INVITATION,
        )
        for n in range(emails)
    ]
    before = len(mail.received)
    started = time.perf_counter()
    await outbox.queue(letters, utc_now(), events=())

    async def delivered() -> bool:
        return len(mail.received) - before >= emails

    await eventually(delivered, what="every email delivered", timeout=600)
    return emails / (time.perf_counter() - started)


async def _failover(serves: list[Serve]) -> float:
    states = [await s.ready() for s in serves]
    leader = next(s for s, state in zip(serves, states, strict=True) if _leads(state))
    leader.kill()
    died = time.monotonic()
    others = [s for s in serves if s is not leader]

    async def new_leader() -> bool:
        return any([_leads(await s.ready()) for s in others])

    await eventually(new_leader, what="another process leading", timeout=120)
    return time.monotonic() - died


def _leads(state: dict[str, object] | None) -> bool:
    return state is not None and state.get("scheduler") == "leading"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--emails", type=int, default=2000)
    args = parser.parse_args()
    cluster = start_cluster()
    if cluster is None:
        raise SystemExit("PostgreSQL's binaries (initdb, pg_ctl) are needed.")
    try:
        for count in (1, 3):
            asyncio.run(measure(cluster, count, args.commands, args.emails))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
