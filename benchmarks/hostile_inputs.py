"""Prints what hostile input does to Roster, path by path.

    .venv/bin/python -m benchmarks.hostile_inputs     (from the repository root: it
    sends the test suite's own probes, tests/hostile/probes.py)

Runs the real app and the Slack emulator on loopback with a temporary SQLite
file and sends every value of ``tests/hostile/probes.py`` down every path: a
typed command, the add-member form, each name column of a spreadsheet, each
text field of the course player's API, and the learner's sign-in and
forgot-password forms. For each path it prints how many
values were tried, how many were refused with a message naming the fix, how
many crashed (a 5xx or the "went wrong on our side" reply) and how many wrote
anything; then the bulk jobs left stuck and whether Roster still serves.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from pathlib import Path

from bot.app import SERVICES
from bot.demo import ACTIVITY_SECRET, ADMIN, Running, running_roster
from slack_emulator.state import Message
from storage.models import BulkJobRow
from tests.bot.uploads import upload
from tests.hostile import probes
from tests.hostile.probes import BAD_EMAILS, JSON_ONLY, UNSAFE, Outcome, Target

GROUP = "Sales Team"
STUCK = ("checking", "approved", "running")


async def _school(running: Running) -> None:
    """A group with a course and a learner; the admin's first request (which links
    their Slack account to a school user) is made before anything is counted."""
    await (await running.driver.command(ADMIN, "whoami")).reply()
    services = running.app[SERVICES]
    admin = await services.users.actor(ADMIN)
    course = await services.courses.create(admin, title="Python 101")
    group = await services.groups.create(admin, title=GROUP, courses=[course])
    await services.members.add(admin, group, email="lea@school.org")


async def _campaign(aimed: Target, running: Running) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for index, (name, value) in enumerate(UNSAFE.items()):
        outcomes.append(await probes.command(aimed, name, value, index))
        outcomes.append(await probes.modal(aimed, name, value, index))
    for index, (name, value) in enumerate(BAD_EMAILS.items()):
        outcomes.append(await probes.add_by_email(aimed, name, value, index))
        outcomes.append(await probes.web_form(aimed, name, value, "/login"))
        outcomes.append(await probes.web_form(aimed, name, value, "/forgot"))

    async def send(content: bytes) -> Message:
        return await upload(running, "hostile.xlsx", content, user=ADMIN, group=GROUP)  # type: ignore[arg-type]

    outcomes += (await probes.spreadsheet(aimed, UNSAFE, send))[0]
    for field in ("course", "assessment", "certificate"):
        for name, value in {**UNSAFE, **JSON_ONLY}.items():
            outcomes.append(await probes.activity(aimed, name, value, field))
    for name, value in {**BAD_EMAILS, **JSON_ONLY}.items():
        outcomes.append(await probes.activity(aimed, name, value, "user.email"))
    return outcomes


def _report(outcomes: list[Outcome]) -> None:
    by_path: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_path[outcome.path].append(outcome)
    print(f"{'path':<32} {'tried':>6} {'refused+fix':>12} {'crashes':>8} {'written':>8}")
    for path, found in by_path.items():
        refused = sum(o.refused for o in found)
        crashed = sum(o.crashed for o in found)
        written = sum(o.stored for o in found)
        print(f"{path:<32} {len(found):>6} {refused:>12} {crashed:>8} {written:>8}")
    total = len(outcomes)
    print(
        f"{'all paths':<32} {total:>6} {sum(o.refused for o in outcomes):>12} "
        f"{sum(o.crashed for o in outcomes):>8} {sum(o.stored for o in outcomes):>8}"
    )
    for outcome in outcomes:
        if not outcome.refused or outcome.crashed or outcome.stored:
            print(
                f"  not as it should be: {outcome.path} / {outcome.value}: {outcome.answer[:160]!r}"
            )


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with running_roster(Path(directory), mail_poll=1.0) as running:
            await _school(running)
            aimed = Target(
                running.slack, running.driver, running.url, ADMIN, GROUP, ACTIVITY_SECRET
            )
            outcomes = await _campaign(aimed, running)
            _report(outcomes)
            stuck = await BulkJobRow.filter(state__in=STUCK).count()
            print(f"stuck bulk jobs: {stuck}")
            print(f"still serving Slack and the web: {await probes.still_serving(aimed)}")


if __name__ == "__main__":
    asyncio.run(main())
