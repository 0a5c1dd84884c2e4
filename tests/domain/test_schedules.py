"""When a scheduled report is due: cadences, days, local times and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.schedules import Cadence, Delivery, DeliveryState, parse_timing


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_weekly_is_due_on_its_weekday_at_local_time() -> None:
    timing = parse_timing(["weekly", "Monday", "09:00"], zone="Europe/Madrid")
    assert timing.cadence is Cadence.WEEKLY and timing.day == 0
    wednesday = at("2026-12-02 12:00")
    assert timing.latest(wednesday) == at("2026-11-30 08:00")
    assert timing.following(wednesday) == at("2026-12-07 08:00")


def test_a_local_time_stays_local_across_a_clock_change() -> None:
    timing = parse_timing(["daily", "09:00"], zone="America/Los_Angeles")
    assert timing.following(at("2026-03-07 18:00")) == at("2026-03-08 16:00")
    assert timing.following(at("2026-03-08 17:00")) == at("2026-03-09 16:00")


def test_weekdays_skip_the_weekend_and_monthly_keeps_its_day() -> None:
    weekdays = parse_timing(["weekdays", "08:30"], zone="UTC")
    assert weekdays.following(at("2026-12-04 09:00")) == at("2026-12-07 08:30")
    monthly = parse_timing(["monthly", "28", "07:00", "UTC"], zone="Europe/Madrid")
    assert monthly.zone == "UTC"
    assert monthly.latest(at("2026-12-02 00:00")) == at("2026-11-28 07:00")
    assert monthly.following(at("2026-12-02 00:00")) == at("2026-12-28 07:00")


@pytest.mark.parametrize(
    ("words", "named"),
    [
        (["hourly", "09:00"], "how often"),
        (["weekly", "09:00"], "day"),
        (["monthly", "31", "09:00"], "day"),
        (["daily", "24:00"], "time"),
        (["daily", "09:00", "Mars/Olympus"], "time zone"),
    ],
)
def test_bad_timings_name_the_field_and_the_fix(words: list[str], named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_timing(words, zone="UTC")
    assert refused.value.field == named and refused.value.fix


def test_a_failed_post_is_retried_further_apart_then_given_up() -> None:
    failed = at("2026-12-02 10:00")

    def delivery(attempts: int) -> Delivery:
        return Delivery(1, 1, failed, DeliveryState.FAILED, attempts=attempts, updated_at=failed)

    assert not delivery(1).retry_due(at("2026-12-02 10:00:59"))
    assert delivery(1).retry_due(at("2026-12-02 10:01"))
    assert not delivery(3).retry_due(at("2026-12-02 10:03"))
    assert delivery(3).retry_due(at("2026-12-02 10:04"))
    assert not delivery(4).retry_due(at("2026-12-03 10:00"))
