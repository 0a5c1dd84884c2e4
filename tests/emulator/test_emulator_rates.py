"""Rate limits: a tier's quota a minute per method, posts paced per channel, answered
with HTTP 429 and a whole-second Retry-After; on a time scale a test can turn down."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from slack_emulator.rates import POST_BURST, RateLimits
from tests.emulator.conftest import ADA, refusal


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_of_posts_in_one_channel_is_refused_with_retry_after(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    direct = (await client.conversations_open(users=ADA))["channel"]["id"]
    for i in range(POST_BURST):
        await client.chat_postMessage(channel=direct, text=f"message {i}")
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=direct, text="one too many")
    response = caught.value.response
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response["error"] == "ratelimited"
    lounge = slack.add_channel("lounge", bot=True)
    assert (await client.chat_postMessage(channel=lounge, text="another channel"))["ok"]
    assert [c.error for c in slack.calls_to("chat.postMessage")] == [None] * POST_BURST + [
        "ratelimited",
        None,
    ]


async def test_a_tier_3_method_takes_50_calls_a_minute(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel=ADA, text="progress")
    for i in range(50):
        await client.chat_update(channel=posted["channel"], ts=posted["ts"], text=f"{i}")
    answer = await refusal(client.chat_update(channel=posted["channel"], ts=posted["ts"], text="x"))
    assert answer["error"] == "ratelimited"
    assert (await client.users_info(user=ADA))["ok"], "each method has its own quota"


def test_posts_refill_one_a_second_and_tiers_their_quota_over_a_minute() -> None:
    clock = Clock()
    limits = RateLimits(1.0, clock=clock)
    assert [limits.post("D0ADA1234") for _ in range(4)] == [None, None, None, 1]
    clock.now += 1.0
    assert limits.post("D0ADA1234") is None and limits.post("D0ADA1234") == 1
    assert [limits.tier("chat.update", 3) for _ in range(50)] == [None] * 50
    assert limits.tier("chat.update", 3) == 2
    clock.now += 1.2
    assert limits.tier("chat.update", 3) is None
    assert [limits.tier("users.info", 1) for _ in range(2)] == [None, 60]


def test_the_time_scale_shortens_slacks_seconds_or_turns_limits_off() -> None:
    clock = Clock()
    quick = RateLimits(0.05, clock=clock)
    assert [quick.post("C0TEAM0001") for _ in range(4)] == [None, None, None, 1]
    clock.now += 0.06
    assert quick.post("C0TEAM0001") is None
    off = RateLimits(0, clock=clock)
    assert {off.post("C0TEAM0001") for _ in range(100)} == {None}


async def test_slack_sdks_retry_handler_waits_out_a_429(slack: SlackEmulator) -> None:
    slack.rate_limit("users.info", times=1, retry_after=0)
    patient = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    patient.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    assert (await patient.users_info(user=ADA))["ok"]
    assert [c.error for c in slack.calls_to("users.info")] == ["ratelimited", None]
