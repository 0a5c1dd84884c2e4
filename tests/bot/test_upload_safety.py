"""Whatever a file does to the reader, its uploader hears why in their direct
message, nothing is staged, and the next upload, anyone's, works."""

from __future__ import annotations

import multiprocessing
from collections.abc import AsyncIterator

import pytest

from bot.views.bulk import queued_text
from storage.models import BulkJobRow
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk, furnish, start_roster
from tests.bot.uploads import text_of, told, upload
from tests.workbooks import (
    cell,
    claiming_shared_strings,
    header_and,
    many_rows,
    row,
    workbook,
)

GOOD = workbook(["username", "email"], ["bea", "bea@example.org"], ["cy", "cy@example.org"])


async def _a_good_file_still_works(roster: Roster) -> None:
    """Someone else's next upload is read as usual."""
    preview = await upload(roster, "good.xlsx", GOOD, user=ADMIN)
    assert "*2* row(s) ready" in text_of(preview), text_of(preview)


async def test_a_value_far_outside_the_template_is_refused_naming_its_cell(bulk: Roster) -> None:
    tiny = header_and(row(1048576, cell("XFD1048576", "oops")))
    assert len(tiny) < 10_000
    refused = await upload(bulk, "last-cell.xlsx", tiny)
    assert (
        ":warning: *last-cell.xlsx* can't be used: Cell XFD1048576 holds a value, far outside "
        "the template's columns (A to AD at most)." in refused.text
    )
    assert "Delete everything right of your last column and below your last row" in refused.text
    assert await BulkJobRow.all().count() == 0
    await _a_good_file_still_works(bulk)


async def test_a_row_far_below_is_refused_but_formatting_alone_is_not(bulk: Roster) -> None:
    below = header_and(row(900_000, cell(None, "x"), cell(None, "x@example.org")))
    refused = await upload(bulk, "below.xlsx", below)
    assert "Cell A900000 holds a value, below the 500,000 rows a file may have" in refused.text
    formatted = header_and(row(1048576, cell("XFD1048576")))
    preview = await upload(bulk, "formatted.xlsx", formatted)
    assert "*1* row(s) ready" in text_of(preview), text_of(preview)


async def test_a_file_that_kills_the_reader_is_that_files_problem(bulk: Roster) -> None:
    refused = await upload(bulk, "claims.xlsx", claiming_shared_strings(2_000_000_000))
    stopped = ":warning: *claims.xlsx* can't be used: Roster's reader stopped on this file"
    assert stopped in refused.text
    assert "Copy the rows into a fresh template" in refused.text
    assert await BulkJobRow.all().count() == 0
    await _a_good_file_still_works(bulk)


@pytest.fixture
async def one_at_a_time(database_url: str) -> AsyncIterator[Roster]:
    """Roster reading one file at a time, each for at most 2 seconds."""
    async with start_roster(database_url, None, parses_at_once=1, parse_seconds=2) as roster:
        yield await allow_bulk(await furnish(roster))


async def test_a_slow_file_is_stopped_and_the_file_waiting_behind_it_gets_its_own_time(
    one_at_a_time: Roster,
) -> None:
    roster = one_at_a_time
    slow = many_rows(200_000, formula_at_end=True)
    first = roster.slack.user_upload(MANAGER, "slow.xlsx", slow)
    await roster.driver.share_in_dm(MANAGER, '"Sales Team"', first)
    await roster.slack.wait_for(lambda: [d for d in roster.slack.downloads if d.status == 200])

    waiting = await upload(roster, "good.xlsx", GOOD, user=ADMIN)
    assert waiting.text == (
        ":hourglass: 1 file is being checked before *good.xlsx*; yours starts next."
    )
    stopped = await told(roster, MANAGER, "can't be used")
    assert (
        ":warning: *slow.xlsx* can't be used: Reading it took longer than 2 seconds, so Roster "
        "stopped." in stopped.text
    )
    preview = await told(roster, ADMIN, "row(s) ready")
    assert "*2* row(s) ready" in text_of(preview)
    assert multiprocessing.active_children() == []
    assert await BulkJobRow.all().count() == 1


async def test_a_file_shared_from_slack_connect_is_fetched_with_files_info(bulk: Roster) -> None:
    preview = await upload(bulk, "connect.xlsx", GOOD, connect=True)
    assert "*2* row(s) ready" in text_of(preview), text_of(preview)
    assert "connect.xlsx" in text_of(preview)
    dropped = bulk.slack.user_upload(MANAGER, "dropped.xlsx", GOOD, connect=True)
    await bulk.driver.share_in_dm(MANAGER, '"Sales Team"', dropped)
    preview = await told(bulk, MANAGER, "dropped.xlsx: 2 ready")
    assert "*2* row(s) ready: *2* new" in text_of(preview)


async def test_a_file_someone_else_uploaded_is_refused_before_it_is_fetched(
    bulk: Roster,
) -> None:
    theirs = bulk.slack.user_upload(ADMIN, "theirs.xlsx", GOOD)
    await bulk.driver.share_in_dm(MANAGER, '"Sales Team"', theirs)
    refused = await told(bulk, MANAGER, "can't be used")
    assert (
        ":warning: *theirs.xlsx* can't be used: <@U0THEADMIN> uploaded it, not you. Roster "
        "imports only files you uploaded yourself: upload your own copy." in refused.text
    )
    assert bulk.slack.downloads == []
    assert await BulkJobRow.all().count() == 0


async def test_a_file_not_shared_with_roster_is_refused(bulk: Roster) -> None:
    hidden = bulk.slack.user_upload(MANAGER, "hidden.xlsx", GOOD, visible=False)
    await bulk.driver.share_in_dm(MANAGER, '"Sales Team"', hidden)
    refused = await told(bulk, MANAGER, "can't be used")
    assert "Slack doesn't let Roster see this file" in refused.text
    assert bulk.slack.downloads == []


async def test_downloads_follow_redirects_only_on_slacks_hosts(bulk: Roster) -> None:
    bulk.slack.redirect_downloads(2)
    preview = await upload(bulk, "hops.xlsx", GOOD)
    assert "*2* row(s) ready" in text_of(preview)
    assert [d.status for d in bulk.slack.downloads] == [302, 302, 200]

    bulk.slack.redirect_downloads(1, host="localhost")
    refused = await upload(bulk, "away.xlsx", GOOD)
    assert (
        "can't be used: Slack sent the download to a host that isn't one of Slack's file "
        "hosts, so Roster didn't follow it. Upload the file again." in refused.text
    )
    assert all(d.host.startswith("127.0.0.1") for d in bulk.slack.downloads)

    bulk.slack.redirect_downloads(10)
    refused = await upload(bulk, "loop.xlsx", GOOD)
    assert "Slack redirected the download too many times" in refused.text
    assert await BulkJobRow.all().count() == 1


def test_the_waiting_notice_counts_the_files_ahead() -> None:
    assert queued_text("a.xlsx", 2, 0) == (
        ":hourglass: 2 files are being checked before *a.xlsx*; yours starts next."
    )
    assert queued_text("a&b.xlsx", 1, 3) == (
        ":hourglass: 1 file is being checked and 3 more wait before *a&amp;b.xlsx*; yours "
        "starts after them."
    )
