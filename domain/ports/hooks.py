"""Callbacks a store or a service is handed, so a change can tell what depends on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from domain.entities import Course, Group, User
from domain.letters import OutgoingEmail

Changed = Callable[[Iterable[int], str], None]
"""Tells the membership rules whose data just changed (user ids), and why."""

Renamed = Callable[[str, Group], Awaitable[None]]
"""Tells the membership rules a group's old title and the group as it is now called."""

Compose = Callable[[User, bool, list[Course]], list[OutgoingEmail]]
"""(user, created_user, newly enrolled courses) -> the emails that change causes."""
