"""Password-link tokens never reach the access log: in `roster serve` and in the app's runner.

Both tests follow real links from real emails (an invitation, then a reset),
sending the Referer a browser sends, and read what the real access logger
wrote: the paths are there, cut after ``/invite/`` and ``/reset/``; the tokens
are not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from local_smtp import MailServer, free_port, text_of
from slack_emulator import SlackDriver, SlackEmulator
from tests.bot.conftest import ADMIN, SIGNING_SECRET, start_roster
from tests.bot.test_invitations import GOOD_PASSWORD, browser_session
from tests.waiting import eventually

EVE = "eve@example.org"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/(invite|reset)/([A-Za-z0-9_-]+))")


class Lines(logging.Handler):
    """Keeps every access-log line, as a log file would hold it, and its structured extras."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__}")


@pytest.fixture
def access_log() -> Iterator[tuple[logging.Logger, Lines]]:
    logger = logging.getLogger("roster.tests.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    lines = Lines()
    logger.addHandler(lines)
    yield logger, lines
    logger.removeHandler(lines)


async def follow_links(url: str, driver: SlackDriver, inbox: MailServer) -> list[str]:
    """Invites Eve, sets her password from the email, asks for a reset and uses it,
    as a browser would; returns the tokens the emails carried."""
    for command in ("create Sales Team", f'add "Sales Team" {EVE}'):
        await (await driver.command(ADMIN, command)).reply()
    tokens = []
    async with browser_session() as browser:
        for number, password in ((1, GOOD_PASSWORD), (2, "a fresh one to remember")):
            if number == 2:
                async with browser.post(f"{url}/forgot", data={"email": EVE}) as page:
                    assert page.status == 200
            found = LINK.search(text_of(await inbox.wait_for(EVE, number)))
            assert found
            link, tokens = found.group(1), [*tokens, found.group(3)]
            async with browser.get(link) as page:
                assert page.status == 200
            form = {"password": password, "confirm": password}
            async with browser.post(link, data=form, headers={"Referer": link}) as page:
                assert page.url.path == "/me"
    return tokens


def assert_redacted(log: str, tokens: list[str]) -> None:
    assert len(tokens) == 2
    for token in tokens:
        assert token not in log
        assert token[:12] not in log
    assert "GET /invite/… HTTP/1.1" in log and "POST /invite/… HTTP/1.1" in log
    assert "GET /reset/… HTTP/1.1" in log and "POST /reset/… HTTP/1.1" in log
    assert '"http://127.0.0.1:' in log and "/reset/…" in log  # the Referer, cut too


async def test_the_app_runner_logs_password_links_without_their_tokens(
    database_url: str, mail_server: MailServer, access_log: tuple[logging.Logger, Lines]
) -> None:
    logger, lines = access_log
    async with start_roster(database_url, mail_server, access_log=logger) as roster:
        tokens = await follow_links(roster.url, roster.driver, mail_server)
    assert_redacted("\n".join(lines.lines), tokens)


def start_serve(env: dict[str, str], stderr: Path) -> subprocess.Popen[bytes]:
    """`roster serve` as its own process, its log going where an operator would read it."""
    roster_cli = Path(sys.executable).parent / "roster"
    with stderr.open("wb") as log_file:
        return subprocess.Popen(
            [str(roster_cli), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log_file
        )


async def test_roster_serve_logs_password_links_without_their_tokens(
    tmp_path: Path, mail_server: MailServer
) -> None:
    slack = SlackEmulator()
    await slack.start()
    slack.add_member(ADMIN, "Ada Admin", "ada@school.org")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite://{tmp_path / 'roster.sqlite3'}",
        "ROSTER_PORT": str(port),
        "PUBLIC_BASE_URL": url,
        "ROSTER_ADMINS": ADMIN,
        "SMTP_URL": mail_server.url,
        "SCHOOL_NAME": "Example School",
    }
    stderr = tmp_path / "serve.log"
    serve = start_serve(env, stderr)
    try:
        async with aiohttp.ClientSession() as session:

            async def healthy() -> bool:
                try:
                    async with session.get(f"{url}/healthz") as answer:
                        return answer.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await eventually(healthy, what="roster serve to answer", timeout=30)
            driver = SlackDriver(slack, url, SIGNING_SECRET, session)
            tokens = await follow_links(url, driver, mail_server)
    finally:
        serve.terminate()
        await asyncio.to_thread(serve.wait, 30)
        await slack.stop()
    log = stderr.read_text()
    assert "aiohttp.access" in log
    assert_redacted(log, tokens)
