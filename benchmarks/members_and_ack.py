"""Prints how /group members pages a 5,000-member group, and ack latency under load.

    .venv/bin/python -m benchmarks.members_and_ack [--members 5000] [--concurrent 50]

Runs the real app and the Slack emulator on loopback with a temporary SQLite
file; every page goes through the emulator's Block Kit checks.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.demo import ADMIN, MANAGER, running_roster
from storage.models import GroupRow, MembershipRow, UserRow


async def _seed(members: int) -> str:
    group = await GroupRow.create(title="Big Cohort", title_key="big cohort")
    await UserRow.bulk_create(
        [
            UserRow(email=f"learner{i:05d}@bench.school", username=f"learner{i:05d}")
            for i in range(members)
        ],
        batch_size=1000,
    )
    ids = await UserRow.filter(email__endswith="@bench.school").values_list("id", flat=True)
    await MembershipRow.bulk_create(
        [MembershipRow(group_id=group.id, user_id=i) for i in ids], batch_size=1000
    )
    return group.title


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(members: int, concurrent: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with running_roster(Path(directory), mail_poll=1.0) as running:
            driver = running.driver
            title = await _seed(members)
            started = time.perf_counter()
            reply = await (await driver.command(ADMIN, f'members "{title}"')).reply()
            first = time.perf_counter() - started
            pages, blocks, chars, latencies = 1, [len(reply.blocks)], [len(reply.text)], []
            while any(
                e.get("action_id") == "members.page.next"
                for b in reply.blocks
                for e in b.get("elements", [])
            ):
                started = time.perf_counter()
                click = await driver.click(ADMIN, reply, "members.page.next")
                reply = await click.reply()
                latencies.append(time.perf_counter() - started)
                pages += 1
                blocks.append(len(reply.blocks))
                chars.append(len(reply.text))
            print(
                f"/group members on {members} members: {pages} pages, all accepted by the "
                f"emulator; blocks per page max {max(blocks)} (limit 50); "
                f"text per page max {max(chars)} chars"
            )
            print(
                f"  first page {first * 1000:.0f} ms; next-page p50 "
                f"{_percentile(latencies, 50) * 1000:.0f} ms, p99 "
                f"{_percentile(latencies, 99) * 1000:.0f} ms"
            )

            async def timed(user: str, text: str) -> float:
                started = time.perf_counter()
                interaction = await driver.command(user, text)
                acked = time.perf_counter() - started
                assert interaction.status == 200
                await interaction.reply(timeout=30)
                return acked

            assert (
                "now manages"
                in (
                    await (
                        await driver.command(ADMIN, f'managers "{title}" add @{MANAGER}')
                    ).reply()
                ).text
            )
            commands = ["list", f'members "{title}"', "help", "course list"]
            for who, user in (("an admin", ADMIN), ("a manager", MANAGER)):
                acks = await asyncio.gather(
                    *(timed(user, commands[i % len(commands)]) for i in range(concurrent))
                )
                print(
                    f"ack latency, {concurrent} concurrent /group commands from {who}: "
                    f"p50 {_percentile(acks, 50) * 1000:.0f} ms, "
                    f"p99 {_percentile(acks, 99) * 1000:.0f} ms, "
                    f"max {max(acks) * 1000:.0f} ms, mean {statistics.mean(acks) * 1000:.0f} ms "
                    "(Slack allows 3000 ms)"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--concurrent", type=int, default=50)
    options = parser.parse_args()
    asyncio.run(main(options.members, options.concurrent))
