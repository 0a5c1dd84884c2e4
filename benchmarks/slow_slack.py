"""Prints how fast Roster acknowledges Slack when Slack is slow, and what taking an
event once costs.

    .venv/bin/python -m benchmarks.slow_slack [--events 200]

Runs the real app and the Slack emulator on loopback with a temporary SQLite
file. For forms choosing 1, 3 and 5 managers while ``users.info`` answers 429
with Retry-After 1 to 3 s, it prints when the ack came (Slack gives up at 3 s)
and when the outcome was shown; then the time to acknowledge a direct message,
an event Roster claims by id, and a repeat of it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.demo import ADMIN, MANAGER, running_roster
from slack_emulator.state import View

PEOPLE = [f"U0BENCH{n:03d}" for n in range(5)]


def _shows(view: View, text: str) -> bool:
    return any(text in str(b.get("text", {}).get("text", "")) for b in view.body["blocks"])


async def _forms(running) -> None:
    slack, driver = running.slack, running.driver
    for n, user in enumerate(PEOPLE):
        slack.add_member(user, f"Bench Person {n}", f"bench{n}@demo.school")
    print("managers  Retry-After  ack (s)  saving first  outcome shown (s)")
    for managers in (1, 3, 5):
        for retry_after in (1, 2, 3):
            title = f"Bench {managers}-{retry_after}"
            modal = await (await driver.command(ADMIN, "create")).modal()
            slack.rate_limit("users.info", times=managers, retry_after=retry_after)
            started = time.perf_counter()
            submitted = await driver.submit(
                ADMIN, modal, {"title": title, "managers": PEOPLE[:managers]}
            )
            acked = time.perf_counter() - started
            saving = _shows(modal, "Slack is slow")
            row = f"{managers:>8}  {retry_after:>11}  "
            if submitted.timed_out:
                print(row + "  gave up: Slack shows the person an error, never the outcome")
                await asyncio.sleep(managers * retry_after)  # let the late work finish
                continue
            await slack.wait_for(lambda m=modal, t=title: _shows(m, f"*{t}*"), timeout=30)
            shown = time.perf_counter() - started
            print(row + f"{acked:7.2f}  {'yes' if saving else 'no':>12}  {shown:17.2f}")


async def _events(running, count: int) -> None:
    if not count:
        return
    driver = running.driver
    firsts, repeats = [], []
    for _ in range(count):
        said = await driver.dm(MANAGER, "hello")
        firsts.append(said.delivery.attempts[0].seconds)
        started = time.perf_counter()
        await driver.redeliver(said)
        repeats.append(time.perf_counter() - started)
    for name, values in (("first delivery", firsts), ("repeat (retry)", repeats)):
        print(
            f"{name}: median {statistics.median(values) * 1000:.1f} ms, "
            f"max {max(values) * 1000:.1f} ms over {count}"
        )


async def main(events: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with running_roster(Path(directory), mail_poll=1.0) as running:
            await running.driver.command(ADMIN, "whoami")
            await _forms(running)
            await _events(running, events)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    asyncio.run(main(parser.parse_args().events))
