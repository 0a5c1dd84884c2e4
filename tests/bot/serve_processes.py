"""`roster serve` processes on one database, started as an operator would start
them, for the tests and the benchmark of several processes."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from local_smtp import MailServer, free_port
from slack_emulator import SlackEmulator
from tests.bot.conftest import ADMIN, SIGNING_SECRET
from tests.bot.test_access_log import start_serve
from tests.waiting import eventually

HOLD = 10
"""Seconds a process holds the emails it is sending and the bulk job it runs
(300 and 60 in production)."""


@dataclass
class Serve:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """As the kernel's OOM killer or a pulled plug would: no shutdown at all."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def ready(self) -> dict[str, object] | None:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{self.url}/readyz") as answer,
            ):
                return await answer.json() if answer.status == 200 else None
        except aiohttp.ClientConnectionError:
            return None


@asynccontextmanager
async def processes(
    database_url: str,
    slack: SlackEmulator,
    mail: MailServer,
    logs: Path,
    *,
    count: int = 3,
    chunk_rows: int = 2000,
) -> AsyncIterator[list[Serve]]:
    serves: list[Serve] = []
    try:
        for n in range(count):
            port = free_port()
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": database_url,
                "ROSTER_PORT": str(port),
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "ROSTER_ADMINS": ADMIN,
                "SMTP_URL": mail.url,
                "ROSTER_MAIL_HOLD_SECONDS": str(HOLD),
                "ROSTER_JOB_LEASE_SECONDS": str(HOLD),
                "ROSTER_JOB_CHUNK_ROWS": str(chunk_rows),
                "ROSTER_JOB_PAUSE_SECONDS": "0.05",
            }
            serves.append(Serve(f"http://127.0.0.1:{port}", start_serve(env, logs / f"{n}.log")))
        for serve in serves:
            await eventually(serve.ready, what=f"{serve.url} ready", timeout=60)
        yield serves
    finally:
        for serve in serves:
            serve.process.terminate()
        for serve in serves:
            try:
                serve.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
