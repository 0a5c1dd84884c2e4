"""Roster's real aiohttp + bolt app on loopback, talking to the Slack emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.app import SERVICES, running_on_loopback
from bot.services import Services
from bot.settings import Settings
from slack_emulator import SlackDriver, SlackEmulator

SIGNING_SECRET = "test-signing-secret"
ADMIN = "U0ADMIN"
MANAGER = "U0MANAGER"
OTHER_MANAGER = "U0OTHERMGR"
LEARNER = "U0LEARNER"
STRANGER = "U0STRANGER"


@dataclass
class Roster:
    slack: SlackEmulator
    driver: SlackDriver
    services: Services
    url: str

    async def run(self, user: str, text: str) -> str:
        """Types ``/group <text>`` as ``user`` and returns what they see."""
        interaction = await self.driver.command(user, text)
        assert interaction.status == 200, interaction.body
        return (await interaction.reply()).text


@pytest.fixture
async def roster(database_url: str) -> AsyncIterator[Roster]:
    slack = SlackEmulator()
    await slack.start()
    slack.add_member(ADMIN, "Ada Admin", "ada@school.org")
    slack.add_member(MANAGER, "Max Manager", "max@school.org")
    slack.add_member(OTHER_MANAGER, "Olga Other", "olga@school.org")
    slack.add_member(LEARNER, "Lea Learner", "lea@school.org")
    slack.add_member(STRANGER, "Sam Stranger", "sam@elsewhere.org")
    settings = Settings(
        slack_bot_token=slack.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
        admins=frozenset({ADMIN}),
    )
    async with (
        running_on_loopback(settings) as (app, url),
        aiohttp.ClientSession() as session,
    ):
        driver = SlackDriver(slack, url, SIGNING_SECRET, session)
        yield Roster(slack, driver, app[SERVICES], url)
    await slack.stop()


@pytest.fixture
async def school(roster: Roster) -> Roster:
    """Two courses, a group 'Sales Team' managed by MANAGER, one 'Support' by OTHER_MANAGER."""
    for title in ("Python 101", "Onboarding"):
        assert "Added" in await roster.run(ADMIN, f"course new {title}")
    assert "Created" in await roster.run(ADMIN, "create Sales Team")
    assert "Created" in await roster.run(ADMIN, "create Support")
    assert "now includes" in await roster.run(ADMIN, 'courses "Sales Team" add "Python 101"')
    assert "now manages" in await roster.run(ADMIN, f'managers "Sales Team" add <@{MANAGER}>')
    assert "now manages" in await roster.run(ADMIN, f"managers Support add <@{OTHER_MANAGER}|olga>")
    assert "Added" in await roster.run(ADMIN, f"add Support {LEARNER_EMAIL}")
    return roster


LEARNER_EMAIL = "lea@school.org"
