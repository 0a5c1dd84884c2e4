"""Roster's real aiohttp + bolt app on loopback, talking to the Slack emulator."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest

from bot.app import SERVICES, running_on_loopback
from bot.services import Services
from bot.settings import Settings
from domain.clock import Clock, utc_now
from domain.entities import SlackProfile
from local_smtp import MailServer, free_port
from slack_emulator import SlackDriver, SlackEmulator

SIGNING_SECRET = "test-signing-secret"
ACTIVITY_SECRET = "test-activity-secret"
ADMIN = "U0THEADMIN"
MANAGER = "U0MANAGER"
OTHER_MANAGER = "U0OTHERMGR"
LEARNER = "U0LEARNER"
STRANGER = "U0STRANGER"
PACE = 0.01
"""Slack's rate limits, and Roster's pace, run a hundred times faster in tests that are
not about pacing: still on (a burst Slack would refuse fails here too), without
waiting Slack's real seconds."""


@dataclass
class Roster:
    slack: SlackEmulator
    driver: SlackDriver
    services: Services
    url: str
    mail: MailServer | None

    @property
    def inbox(self) -> MailServer:
        assert self.mail is not None, "this Roster runs without a mail server"
        return self.mail

    async def run(self, user: str, text: str) -> str:
        """Types ``/group <text>`` as ``user`` and returns what they see."""
        interaction = await self.driver.command(user, text)
        assert interaction.status == 200, interaction.body
        return (await interaction.reply()).text


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


async def workspace(pace: float = PACE) -> SlackEmulator:
    """The Slack emulator, running, with the school's people in it; ``pace`` is the
    real seconds of one of Slack's rate-limit seconds."""
    slack = SlackEmulator(rate_scale=pace)
    await slack.start()
    slack.add_member(ADMIN, "Ada Admin", "ada@school.org")
    slack.add_member(MANAGER, "Max Manager", "max@school.org")
    slack.add_member(OTHER_MANAGER, "Olga Other", "olga@school.org")
    slack.add_member(LEARNER, "Lea Learner", "lea@school.org")
    slack.add_member(STRANGER, "Sam Stranger", "sam@elsewhere.org")
    return slack


@asynccontextmanager
async def start_roster(
    database_url: str,
    mail_server: MailServer | None,
    *,
    access_log: logging.Logger | None = None,
    job_clock: Clock = utc_now,
    slack: SlackEmulator | None = None,
    socket_mode: bool = False,
    pace: float = PACE,
    **overrides: Any,
) -> AsyncIterator[Roster]:
    """Roster, the Slack emulator and (unless None) a mail server, all on loopback;
    ``overrides`` replace settings (chunk sizes, whether jobs run here); requests are
    logged to ``access_log`` when given; ``job_clock`` is the time bulk jobs go by.
    ``slack``: a workspace already running (kept across a restart of Roster), which
    is left running; ``socket_mode``: Roster connects over Socket Mode (with an
    app-level token) and the driver sends everything down that connection;
    ``pace``: the real seconds of one of Slack's rate-limit seconds (1.0 for tests
    about pacing)."""
    own = slack is None
    slack = slack or await workspace(pace)
    port = free_port()
    settings = Settings(
        slack_bot_token=slack.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
        admins=frozenset({ADMIN}),
        smtp_url=mail_server.url if mail_server else None,
        public_base_url=f"http://127.0.0.1:{port}",
        school_name="Example School",
        activity_secret=ACTIVITY_SECRET,
        mail_poll_seconds=0.05,
        mail_retry_base_seconds=0.1,
        slack_app_token=slack.socket_mode.app_token if socket_mode else None,
        slack_pace=pace,
    )
    settings = replace(settings, **overrides)
    try:
        async with (
            running_on_loopback(
                settings, port=port, access_log=access_log, job_clock=job_clock
            ) as (app, url),
            aiohttp.ClientSession() as session,
        ):
            driver = SlackDriver(slack, url, SIGNING_SECRET, session, socket_mode=socket_mode)
            if socket_mode:
                await slack.socket_mode.connected()
            yield Roster(slack, driver, app[SERVICES], url, mail_server)
    finally:
        if own:
            await slack.stop()


@pytest.fixture
async def roster(database_url: str, mail_server: MailServer) -> AsyncIterator[Roster]:
    async with start_roster(database_url, mail_server) as started:
        yield started


@pytest.fixture
async def school(roster: Roster) -> Roster:
    return await furnish(roster)


@pytest.fixture
async def behind_proxy(database_url: str, mail_server: MailServer) -> AsyncIterator[Roster]:
    """The school, with Roster trusting loopback as its reverse proxy: a request's
    X-Forwarded-For names the client, as it would behind a real one."""
    loopback = frozenset({ipaddress.ip_network("127.0.0.1/32")})
    async with start_roster(database_url, mail_server, trusted_proxies=loopback) as roster:
        yield await furnish(roster)


async def furnish(roster: Roster) -> Roster:
    """Two courses, a group 'Sales Team' managed by MANAGER, one 'Support' by OTHER_MANAGER."""
    for title in ("Python 101", "Onboarding"):
        assert "Added" in await roster.run(ADMIN, f"course new {title}")
    assert "Created" in await roster.run(ADMIN, "create Sales Team")
    assert "Created" in await roster.run(ADMIN, "create Support")
    assert "now includes" in await roster.run(ADMIN, 'courses "Sales Team" add "Python 101"')
    assert "now manages" in await roster.run(ADMIN, f'managers "Sales Team" add @{MANAGER}')
    assert "now manages" in await roster.run(ADMIN, f"managers Support add @{OTHER_MANAGER}")
    assert "Added" in await roster.run(ADMIN, f"add Support {LEARNER_EMAIL}")
    return roster


LEARNER_EMAIL = "lea@school.org"


@pytest.fixture
async def bulk(school: Roster) -> Roster:
    return await allow_bulk(school)


async def allow_bulk(
    school: Roster, who: SlackProfile | None = None, capability: str = "users.manage.bulk"
) -> Roster:
    """The school, where MANAGER (or ``who``) also holds ``capability`` (bulk actions)."""
    services = school.services
    admin = await services.users.actor(ADMIN)
    manager = await services.permissions.subject(
        admin, who or SlackProfile(MANAGER, "max@school.org", "Max")
    )
    held = (await services.permissions.of(admin, manager)).capabilities
    await services.permissions.save(admin, manager, [*held, capability])
    return school
