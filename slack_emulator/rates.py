"""Slack's rate limits: a tier per method, and chat.postMessage's pace per channel.

Slack evaluates requests "per method, per workspace" against per-minute tiers
(Tier 1: 1+, Tier 2: 20+, Tier 3: 50+, Tier 4: 100+ a minute, bursts tolerated)
and posts "one message per second per channel", short bursts allowed
(https://docs.slack.dev/apis/web-api/rate-limits). Each limit here is a token
bucket: a minute's quota may go at once, then it refills evenly; a channel takes
a short burst of posts, then one a second. Beyond a limit Slack answers HTTP 429
with ``Retry-After`` in whole seconds.

slack_sdk's retry handler sleeps that ``Retry-After`` in real seconds, so the
limits run on a time scale: 1.0 is Slack's own pace, 0.05 makes every limit refill
twenty times faster (a test that is not about pacing keeps them on and stays
quick), 0 turns them off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
POSTS_PER_SECOND = 1.0
POST_BURST = 3
"""Slack tolerates "short bursts" of posts in a channel without saying how long;
three back to back pass here, the fourth within the second is refused."""


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float


class RateLimits:
    """Token buckets keyed by method (and by channel for posts), on a time scale."""

    def __init__(self, scale: float = 1.0, clock: Callable[[], float] = time.monotonic):
        if scale < 0:
            raise ValueError("the time scale is a positive number of real seconds, or 0")
        self.scale = scale
        self._clock = clock
        self._buckets: dict[tuple[str, ...], _Bucket] = {}

    def tier(self, method: str, tier: int) -> int | None:
        """Takes one call of ``method`` from its tier's quota; None when it may go,
        else the ``Retry-After`` Slack answers."""
        per_minute = TIER_PER_MINUTE[tier]
        return self._take((method,), capacity=per_minute, per_second=per_minute / 60)

    def post(self, channel: str) -> int | None:
        """Takes one post in ``channel``; None when it may go, else ``Retry-After``."""
        return self._take(
            ("chat.postMessage", channel), capacity=POST_BURST, per_second=POSTS_PER_SECOND
        )

    def _take(self, key: tuple[str, ...], *, capacity: float, per_second: float) -> int | None:
        if self.scale == 0:
            return None
        now = self._clock() / self.scale
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(capacity, per_second, capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        real_wait = (1 - bucket.tokens) / per_second * self.scale
        return max(1, math.ceil(real_wait))
