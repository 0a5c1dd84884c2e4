"""What a load balancer and Prometheus read from a running Roster."""

from __future__ import annotations

import re

import aiohttp

from tests.bot.conftest import MANAGER, Roster


async def _get(roster: Roster, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"{roster.url}{path}") as answer:
        return answer.status, await answer.text()


async def test_ready_once_migrated_and_leading_the_scheduled_work(school: Roster) -> None:
    assert await _get(school, "/healthz") == (200, '{"ok": true}')
    status, text = await _get(school, "/readyz")
    assert status == 200
    assert '"migrations": "applied"' in text and '"scheduler": "leading"' in text


def _value(text: str, sample: str) -> float:
    found = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


async def test_metrics_count_acks_by_kind_and_the_emails_waiting(school: Roster) -> None:
    commands = 'roster_slack_request_seconds_count{kind="command"}'
    before = _value((await _get(school, "/metrics"))[1], commands)
    await school.run(MANAGER, "list")
    await school.run(MANAGER, "help")
    status, text = await _get(school, "/metrics")
    assert status == 200
    assert _value(text, commands) == before + 2
    assert _value(text, "roster_scheduler_leader") == 1
    assert _value(text, "roster_outbox_waiting") == await school.services.emails.waiting()
