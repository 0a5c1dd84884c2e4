"""What Roster's middleware adds to bolt's context, under these keys."""

from __future__ import annotations

RECEIVED = "roster_received_at"
"""``time.monotonic()`` when the request reached Roster: Slack's 3 seconds run from then."""

CALLER = "roster_caller"
"""A task resolving to the caller's actor, when it is not known before the ack: a
command's caller (a command is acknowledged before anything is read), or a new
caller whose Slack lookup, to link them to their school user, outlasted the time
it may hold up an ack."""
