"""The pure parts of bulk jobs: progress text, time left, log filters, counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.bulk.model import (
    CheckCounts,
    JobKind,
    RunCounts,
    parse_job_filter,
    progress_bar,
    time_left,
)
from domain.errors import InvalidInput

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def test_the_progress_bar_reads_the_same_everywhere() -> None:
    assert progress_bar(0, 10, width=10) == "░░░░░░░░░░ 0%"
    assert progress_bar(4, 10, width=10) == "▓▓▓▓░░░░░░ 40%"
    assert progress_bar(12, 10, width=10) == "▓▓▓▓▓▓▓▓▓▓ 100%"
    assert progress_bar(0, 0, width=4) == "▓▓▓▓ 100%"


def test_time_left_follows_the_pace_so_far() -> None:
    assert time_left(0, 100, 5.0) is None
    assert time_left(25, 100, 5.0) == pytest.approx(15.0)


def test_the_log_filter_takes_a_type_and_a_time_in_any_order() -> None:
    chosen = parse_job_filter(["7d", "remove"], now=NOW)
    assert chosen.kind is JobKind.REMOVE_MEMBERS
    assert chosen.since == datetime(2026, 11, 22, tzinfo=UTC), "from midnight, 7 days back"
    assert parse_job_filter(["add", "members"], now=NOW).kind is JobKind.ADD_MEMBERS
    with pytest.raises(InvalidInput, match="`yesterday` is neither a type"):
        parse_job_filter(["yesterday"], now=NOW)


def test_rows_that_would_find_no_seat_are_counted() -> None:
    assert CheckCounts(new_users=5, existing_users=2, free_seats=4).wont_fit == 3
    assert CheckCounts(new_users=5).wont_fit == 0


def test_run_counts_add_up_chunk_by_chunk() -> None:
    total = RunCounts(created=2, added=3).plus(RunCounts(added=1, failed=1))
    assert (total.created, total.added, total.failed) == (2, 4, 1)
