"""What Roster's middleware adds to bolt's context, under these keys."""

from __future__ import annotations

RECEIVED = "roster_received_at"
"""``time.monotonic()`` when the request reached Roster: Slack's 3 seconds run from then."""

LINKING = "roster_linking"
"""A task linking a new caller to their school user, when Slack's lookup outlasted
the time it may hold up an ack; it resolves to the caller's actor."""
