"""Slack hears back from a command at once, even while the database is held up.

A command is acknowledged before anything is read; who is calling, with their
groups and permissions, is read after. Here another connection holds the
managers table locked, as a long migration or a heavy report might: the ack
comes back within Slack's 3 seconds (the driver gives up then, as Slack does),
and the answer follows once the lock goes. PostgreSQL only: SQLite's readers
never wait for a writer.
"""

from __future__ import annotations

import asyncpg

from local_smtp import MailServer
from tests.bot.conftest import MANAGER, furnish, start_roster


async def test_a_command_is_acknowledged_while_the_database_is_held_up(
    postgres_url: str, mail_server: MailServer
) -> None:
    async with start_roster(postgres_url, mail_server) as roster:
        await furnish(roster)
        blocker = await asyncpg.connect(postgres_url)
        locked = blocker.transaction()
        await locked.start()
        await blocker.execute("LOCK TABLE group_managers IN ACCESS EXCLUSIVE MODE")
        try:
            asked = await roster.driver.command(MANAGER, "list")
            assert not asked.timed_out and asked.status == 200
        finally:
            await locked.rollback()
            await blocker.close()
        answer = (await asked.reply(timeout=10)).text
        assert "Sales Team" in answer and "Support" not in answer
