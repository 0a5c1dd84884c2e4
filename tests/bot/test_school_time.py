"""`/group timezone`: the school's time zone, set by an admin, read by everyone;
where days start for log filters, and the zone of a schedule whose creator's
zone Slack doesn't know."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_emulator.driver import block_texts
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk


async def test_admins_set_the_zone_and_everyone_reads_it(school: Roster) -> None:
    assert "The school's time zone is *UTC*" in await school.run(MANAGER, "timezone")
    refused = await school.run(MANAGER, "timezone Europe/Madrid")
    assert "admin" in refused and "now *Europe/Madrid*" not in refused
    wrong = await school.run(ADMIN, "timezone Mars/Olympus")
    assert "`Mars/Olympus` is not a time zone; name one like Europe/Madrid" in wrong
    assert "The school's time zone is *UTC*" in await school.run(MANAGER, "timezone")
    assert "now *Europe/Madrid*" in await school.run(ADMIN, "timezone Europe/Madrid")
    assert "The school's time zone is *Europe/Madrid*" in await school.run(MANAGER, "timezone")


async def test_a_date_in_a_log_filter_starts_at_the_schools_midnight(school: Roster) -> None:
    await allow_bulk(school)
    assert "now *Europe/Madrid*" in await school.run(ADMIN, "timezone Europe/Madrid")
    await school.run(MANAGER, "log actions 2026-11-01")
    madrid_midnight = int(datetime(2026, 10, 31, 23, tzinfo=UTC).timestamp())
    shown = "\n".join(block_texts(school.slack.messages[-1].blocks))
    assert f"since <!date^{madrid_midnight}^" in shown, shown


async def test_a_schedule_runs_on_the_schools_zone_when_slack_has_none_for_its_creator(
    school: Roster,
) -> None:
    await allow_bulk(school, capability="analytics.view")
    await allow_bulk(school, capability="reports.manage")
    school.slack.members[MANAGER].tz = None
    assert "now *Asia/Tokyo*" in await school.run(ADMIN, "timezone Asia/Tokyo")
    said = await school.run(MANAGER, 'schedule add "Sales Team" progress daily 09:00 me')
    assert "daily at 09:00 Asia/Tokyo" in said, said
    said = await school.run(MANAGER, 'schedule add "Sales Team" progress daily 09:00 UTC me')
    assert "daily at 09:00 UTC" in said, "a zone named in the command wins"
