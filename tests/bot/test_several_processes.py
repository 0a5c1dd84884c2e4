"""Three `roster serve` processes on one PostgreSQL, as a school that outgrows one
machine runs them: each email goes out once though a process dies mid-delivery,
a bulk job whose process dies is finished by another, one process leads the
scheduled work and another takes over when it dies, and a Slack retry that
reaches another process acts once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bot.services import Services
from domain.clock import utc_now
from domain.letters import Layout, Letter, MailState, OutgoingEmail, Trigger
from local_smtp import MailServer
from slack_emulator import SlackDriver, SlackEmulator
from storage import db
from storage.models import BulkJobRow, MembershipRow, OutboxRow, UserRow
from storage.store import TortoiseStore
from tests.bot.conftest import (
    ADMIN,
    LEARNER,
    SIGNING_SECRET,
    Roster,
    allow_bulk,
    furnish,
    workspace,
)
from tests.bot.serve_processes import Serve, processes
from tests.bot.test_bulk_import import HEADER, people
from tests.bot.uploads import in_thread, review, send_for_approval, thread, upload
from tests.waiting import eventually
from tests.workbooks import workbook

EMAILS = 600
JOB_ROWS = 1000


async def test_each_email_goes_out_once_though_a_process_dies(
    postgres_url: str, mail_server: MailServer, tmp_path: Path
) -> None:
    await db.connect(postgres_url)
    try:
        await TortoiseStore().outbox.queue(
            [
                OutgoingEmail(
                    f"p{n}@school.org",
                    "Welcome",
                    Letter(Layout.NOTICE, "Ada", "text", "School"),
                    Trigger.INVITATION,
                )
                for n in range(EMAILS)
            ],
            utc_now(),
            events=(),
        )
        slack = await workspace()
        async with processes(postgres_url, slack, mail_server, tmp_path) as serves:

            async def some_sent() -> bool:
                return len(mail_server.received) >= EMAILS // 6

            await eventually(some_sent, what="a sixth of the emails sent", timeout=60)
            serves[0].kill()

            async def all_sent() -> bool:
                return await OutboxRow.filter(state=MailState.SENT.value).count() == EMAILS

            await eventually(all_sent, what="every email marked sent", timeout=120)
        await slack.stop()
    finally:
        await db.close()
    copies = Counter(message["To"] for message in mail_server.received)
    assert set(copies) == {f"p{n}@school.org" for n in range(EMAILS)}
    twice = [address for address, count in copies.items() if count > 1]
    assert len(twice) <= 1, "only the one email in flight when the process died"
    for address in twice:
        assert len({m["Message-ID"] for m in mail_server.to(address)}) == 1


async def test_another_process_leads_within_seconds_when_the_leader_dies(
    postgres_url: str, mail_server: MailServer, tmp_path: Path
) -> None:
    slack = await workspace()
    async with processes(postgres_url, slack, mail_server, tmp_path) as serves:
        states = [await serve.ready() for serve in serves]
        leaders = [s for s, state in zip(serves, states, strict=True) if _leads(state)]
        assert len(leaders) == 1
        leaders[0].kill()
        died = time.monotonic()
        others = [serve for serve in serves if serve is not leaders[0]]

        async def new_leader() -> list[Serve]:
            return [serve for serve in others if _leads(await serve.ready())]

        taken = await eventually(new_leader, what="another process leading", timeout=30)
        failover = time.monotonic() - died
        assert len(taken) == 1
        print(f"failover: {failover:.1f} s")
    await slack.stop()


async def test_a_slack_retry_reaching_another_process_acts_once(
    postgres_url: str, mail_server: MailServer, tmp_path: Path
) -> None:
    slack = await workspace()
    async with (
        processes(postgres_url, slack, mail_server, tmp_path) as serves,
        aiohttp.ClientSession() as session,
    ):
        first, second = (SlackDriver(slack, s.url, SIGNING_SECRET, session) for s in serves[:2])
        asked = await first.dm(LEARNER, "hello?", event_id="Ev0RETRIED1")
        retried = await second.dm(LEARNER, "hello?", event_id="Ev0RETRIED1")
        assert (asked.status, retried.status) == (200, 200)

        async def help_posted() -> int:
            return len(_bot_posts(slack, LEARNER))

        await eventually(help_posted, what="the help in the direct message")
        await asyncio.sleep(1)
        assert len(_bot_posts(slack, LEARNER)) == 1
    await slack.stop()


async def test_a_bulk_job_whose_process_dies_is_finished_by_another_as_a_clean_run(
    postgres_url: str, mail_server: MailServer, tmp_path: Path
) -> None:
    slack = await workspace()
    await db.connect(postgres_url)
    try:
        async with (
            processes(postgres_url, slack, mail_server, tmp_path, chunk_rows=50) as serves,
            aiohttp.ClientSession() as session,
        ):
            driver = SlackDriver(slack, serves[0].url, SIGNING_SECRET, session)
            services = Services.build(TortoiseStore(), env_admins={ADMIN}, delivering=False)
            school = await allow_bulk(
                await furnish(Roster(slack, driver, services, serves[0].url, mail_server))
            )
            preview = await upload(school, "big.xlsx", workbook(HEADER, *people(JOB_ROWS)))
            await review(school, await send_for_approval(school, preview))

            async def under_way() -> BulkJobRow | None:
                job = await BulkJobRow.get()
                return job if job.checkpoint > JOB_ROWS // 5 and job.lease_owner else None

            running = await eventually(under_way, what="a fifth of the rows applied", timeout=60)
            pid = int(running.lease_owner.split(":")[1])
            holder = next(s for s in serves if s.process.pid == pid)
            holder.kill()
            summary = await in_thread(school, preview, "big.xlsx* done", timeout=120)
            finished = await BulkJobRow.get()
            assert finished.lease_owner != running.lease_owner
            assert await UserRow.filter(email__startswith="person").count() == JOB_ROWS
            members = MembershipRow.filter(user__email__startswith="person")
            assert await members.count() == JOB_ROWS
            invited = await OutboxRow.filter(to_address__startswith="person").values_list(
                "to_address", flat=True
            )
            assert len(invited) == len(set(invited)) == JOB_ROWS
    finally:
        await db.close()
        await slack.stop()
    assert f"*{JOB_ROWS:,}* created, *{JOB_ROWS:,}* added to the group" in summary.text
    replies = [m.text for m in thread(school, preview)]
    assert sum("big.xlsx* done" in r for r in replies) == 1


def _leads(state: dict[str, object] | None) -> bool:
    return state is not None and state.get("scheduler") == "leading"


def _bot_posts(slack: SlackEmulator, user_id: str) -> list[object]:
    channel = slack.dm_id(user_id)
    return [m for m in slack.messages if m.channel == channel and m.user == slack.bot_user_id]
