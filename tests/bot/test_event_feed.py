"""Channels following events: subscribing (Roster must be in the channel), a live post,
a bulk import coalesced into one message at Slack's pace, and who may subscribe."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from local_smtp import MailServer
from slack_emulator.state import Message
from tests.bot.conftest import (
    ADMIN,
    MANAGER,
    OTHER_MANAGER,
    Roster,
    allow_bulk,
    furnish,
    start_roster,
)
from tests.bot.test_bulk_import import HEADER, people
from tests.bot.uploads import in_thread, review, send_for_approval, text_of, upload
from tests.waiting import eventually
from tests.workbooks import workbook

VIEW_ACTIVITY = "activity.view"


@pytest.fixture
async def following(database_url: str, mail_server: MailServer) -> AsyncIterator[Roster]:
    """The school with a #sales channel Roster is in, and #quiet it is not in; the
    feed looks for events every 50 ms."""
    async with start_roster(database_url, mail_server, event_feed_seconds=0.05) as roster:
        roster.slack.add_channel("sales", bot=True, channel_id="C0SALESTEAM")
        roster.slack.add_channel("quiet", channel_id="C0QUIETPLACE")
        roster.driver.channels.update(sales="C0SALESTEAM", quiet="C0QUIETPLACE")
        yield await furnish(roster)


def posts_in(roster: Roster, channel: str) -> list[Message]:
    return [m for m in roster.slack.messages if m.channel == channel and m.thread_ts is None]


async def test_a_subscribed_channel_hears_of_a_change_as_it_happens(following: Roster) -> None:
    refused = await following.run(ADMIN, 'subscribe #quiet "Sales Team"')
    assert "Roster is not in <#C0QUIETPLACE>" in refused and "/invite @Roster" in refused
    said = await following.run(ADMIN, 'subscribe #sales "Sales Team" added')
    assert "<#C0SALESTEAM> now follows `member.added` in *Sales Team*, as it happens." in said
    assert "<#C0SALESTEAM>: `member.added` in *Sales Team*" in await following.run(
        ADMIN, "subscriptions"
    )
    assert "Added" in await following.run(ADMIN, 'add "Sales Team" new@example.org')
    assert "Added" in await following.run(ADMIN, "add Support other@example.org")

    async def posted() -> list[Message]:
        return posts_in(following, "C0SALESTEAM")

    (post,) = await eventually(posted, what="the live post", timeout=15)
    assert "*new@example.org* joined *Sales Team* · by hand by ada@school.org" in post.text
    assert "other@example.org" not in post.text and "enrolled" not in post.text
    assert "no longer follows" in await following.run(ADMIN, 'unsubscribe #sales "Sales Team"')
    assert "No channel follows events yet" in await following.run(ADMIN, "subscriptions")


async def test_who_may_subscribe_what(following: Roster) -> None:
    refused = await following.run(MANAGER, 'subscribe #sales "Sales Team"')
    assert "View activity history" in refused
    await allow_bulk(following, capability=VIEW_ACTIVITY)
    whole = await following.run(MANAGER, "subscribe #sales")
    assert "only admins follow the whole school" in whole
    assert "now follows" not in await following.run(MANAGER, "subscribe #sales Support")
    assert "now follows every event in *Sales Team*" in await following.run(
        MANAGER, 'subscribe #sales "Sales Team"'
    )
    assert "No channel follows" in await following.run(OTHER_MANAGER, "subscriptions") or (
        "Sales Team" not in await following.run(OTHER_MANAGER, "subscriptions")
    )


async def test_a_big_import_is_one_message_with_its_people_in_the_thread(
    following: Roster,
) -> None:
    await allow_bulk(following)
    assert "now follows" in await following.run(ADMIN, 'subscribe #sales "Sales Team" added')
    preview = await upload(following, "big.xlsx", workbook(HEADER, *people(10_000)))
    request = await send_for_approval(following, preview)
    assert "Approved" in await review(following, request, options=("invite",))
    await in_thread(following, preview, "big.xlsx* done", timeout=240)

    async def posted() -> list[Message]:
        return posts_in(following, "C0SALESTEAM")

    first = (await eventually(posted, what="the import's post", timeout=30))[0]
    assert "*10,000* people joined *Sales Team* · bulk job #" in first.text

    async def replies() -> list[Message]:
        return [m for m in following.slack.messages if m.thread_ts == first.ts]

    thread = await eventually(replies, what="the people in the thread")
    assert thread and "person0@example.org" in text_of(thread[0])
    assert "and 9,800 more" in text_of(thread[0])
    assert len(posts_in(following, "C0SALESTEAM")) <= 3
    assert not following.slack.refused("ratelimited")
