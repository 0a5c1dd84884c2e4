"""The school's time zone: where days start for "7d" and dates, and what a zone is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.school_time import parse_zone
from domain.validation import parse_since

MADRID = ZoneInfo("Europe/Madrid")
NOON = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_a_date_starts_at_the_schools_midnight() -> None:
    assert parse_since("2026-11-01", now=NOON) == datetime(2026, 11, 1, tzinfo=UTC)
    in_madrid = parse_since("2026-11-01", now=NOON.astimezone(MADRID))
    assert in_madrid == datetime(2026, 10, 31, 23, tzinfo=UTC), "CET is UTC+1 in November"
    assert in_madrid.tzinfo is UTC, "stored moments are compared in UTC"


def test_days_count_back_to_the_schools_midnight_and_hours_exactly() -> None:
    assert parse_since("7d", now=NOON) == datetime(2026, 11, 30, tzinfo=UTC)
    assert parse_since("1w", now=NOON.astimezone(MADRID)) == datetime(2026, 11, 29, 23, tzinfo=UTC)
    assert parse_since("24h", now=NOON.astimezone(MADRID)) == NOON - timedelta(hours=24)
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert parse_since("0d", now=late.astimezone(MADRID)) == datetime(
        2026, 12, 7, 23, tzinfo=UTC
    ), "half past midnight in Madrid is already the 8th there"


@pytest.mark.parametrize("typed", ["Europe/Madrid", " America/New_York ", "utc", "UTC"])
def test_a_zone_is_named_as_the_tz_database_names_it(typed: str) -> None:
    assert parse_zone(typed) in {typed.strip(), "UTC"}


@pytest.mark.parametrize("typed", ["Mars/Olympus", "", "../../etc/passwd", "CET+1"])
def test_anything_else_is_refused_with_examples(typed: str) -> None:
    with pytest.raises(InvalidInput, match="is not a time zone; name one like Europe/Madrid"):
        parse_zone(typed)
