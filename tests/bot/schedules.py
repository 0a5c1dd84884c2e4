"""Scheduled reports in tests: one made by command as the manager, and the runner
that posts what is due at any moment a test chooses."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.report_schedules import ScheduledReports
from domain.schedules import ReportSchedule
from tests.bot.conftest import MANAGER, Roster


def report_runner(roster: Roster) -> ScheduledReports:
    client = AsyncWebClient(token=roster.slack.bot_token, base_url=roster.slack.api_url)
    return ScheduledReports(client, roster.services)


async def scheduled(roster: Roster, text: str) -> ReportSchedule:
    """``/group schedule add <text>`` by MANAGER; the schedule it made."""
    said = await roster.run(MANAGER, f"schedule add {text}")
    assert "Scheduled report *#" in said, said
    return (await roster.services.schedules.active())[-1]
