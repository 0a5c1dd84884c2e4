"""500 scheduled reports due in the same minute: how long until the last is posted,
how fast each channel is posted to, and that none is posted twice (SQLite).

Roster runs with the Slack emulator at Slack's own pace (about a post a second per
channel, 429 with Retry-After beyond it). The schedules are spread over channels
Roster is in; each report posts its figures and shares its chart in the thread.
The delivery logic is run at a chosen moment (as APScheduler would call it), with
the client Roster posts with (paced per channel), then run again at the same
moment, which must post nothing.

    .venv/bin/python -m benchmarks.scheduled_reports [--schedules 500] [--channels 25]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import slack_client
from bot.pacing import UPLOAD_BURST, UPLOAD_INTERVAL
from bot.report_schedules import ScheduledReports
from bot.settings import Settings
from domain.permissions import Capability
from domain.schedules import Cadence, ReportKind, ScheduleSettings, Timing
from slack_emulator.state import Call
from storage import db
from tests.bot.conftest import ADMIN, furnish, start_roster


async def bench(schedules: int, channels: int, directory: Path) -> None:
    url = db.sqlite_url(directory / "roster.sqlite3")
    async with start_roster(url, None, pace=1.0) as roster:
        await furnish(roster)
        services, slack = roster.services, roster.slack
        admin = await services.users.actor(ADMIN)
        group = await services.groups.resolve(admin, "Sales Team", Capability.VIEW_ANALYTICS)
        for n in range(20):
            await roster.run(ADMIN, f'add "Sales Team" learner{n}@school.org')
        rooms = [slack.add_channel(f"reports-{c}", bot=True) for c in range(channels)]
        # A moment days from now, so the app's own minute tick never finds them due.
        due = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
        timing = Timing(Cadence.DAILY, 0, (due - timedelta(minutes=1)).time(), "UTC")
        for s in range(schedules):
            chosen = ScheduleSettings(ReportKind.PROGRESS, timing, rooms[s % channels])
            await services.schedules.add(admin, group, chosen, now=due - timedelta(hours=1))
        settings = Settings(slack.bot_token, "unused", slack_api_url=slack.api_url)
        runner = ScheduledReports(slack_client(settings), services)
        mark = len(slack.calls)
        started = time.monotonic()
        posted = await runner.run_due(due)
        took = time.monotonic() - started
        again = await runner.run_due(due)
        _print(slack.calls[mark:], set(rooms), (schedules, channels), posted, took, again)


def _print(
    calls: list[Call],
    rooms: set[str],
    counts: tuple[int, int],
    posted: int,
    took: float,
    again: int,
) -> None:
    schedules, channels = counts
    reports = Counter(
        str(c.args["channel"])
        for c in calls
        if c.method == "chat.postMessage" and c.ok and c.args.get("channel") in rooms
    )
    sent: dict[str, list[float]] = {}
    for call in calls:
        if call.ok and call.method in {"chat.postMessage", "files.completeUploadExternal"}:
            room = str(call.args.get("channel") or call.args.get("channel_id"))
            if room in rooms:
                sent.setdefault(room, []).append(call.at)
    busiest = max((_most_in_a_second(times) for times in sent.values()), default=0)
    refused = Counter(c.method for c in calls if c.error == "ratelimited")
    charts = sum(1 for c in calls if c.method == "files.completeUploadExternal" and c.ok)
    most = max(reports.values(), default=0)
    floor = max(2 * most - 2, (charts - UPLOAD_BURST) * UPLOAD_INTERVAL)
    print(
        f"{schedules} schedules in {channels} channels due at once: {posted} posted in "
        f"{took:.1f} s; Slack's own limits need at least {floor:.0f} s (a post a second "
        f"in a channel of {most} reports and their charts; {charts} charts at Tier 4's "
        "100 files a minute)"
    )
    print(
        f"  posts per channel in any one second: at most {busiest}; charts shared: {charts}; "
        f"Slack's 429s (each waited out and retried): {dict(refused) or 'none'}"
    )
    print(
        f"  reports per channel: {min(reports.values(), default=0)} to {most}, "
        f"{sum(reports.values())} in all; run again at the same moment: {again} posted"
    )


def _most_in_a_second(times: list[float]) -> int:
    """The most posts in any one-second window of one channel."""
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))


async def main(schedules: int, channels: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        await bench(schedules, channels, Path(directory))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=500)
    parser.add_argument("--channels", type=int, default=25)
    options = parser.parse_args()
    asyncio.run(main(options.schedules, options.channels))
