"""Saved rules and the set-based statements that apply them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Protocol

from domain.ports.hooks import Compose
from domain.rules.model import Rule, RuleEvent, RulePreview, RuleRun, SavedRule


class RuleStore(Protocol):
    async def mark(self, causes: Mapping[int, str], now: datetime) -> None:
        """Users whose data changed, each with why, for a round to re-evaluate."""
        ...

    async def take_marks(self, now: datetime, until: datetime, limit: int) -> dict[int, str]:
        """Marks nobody holds at ``now``, held until ``until``; by user, their cause."""
        ...

    async def clear_marks(self, user_ids: Collection[int], claimed_until: datetime) -> None:
        """The marks a round held until ``claimed_until`` and evaluated, unless marked
        again since."""
        ...

    async def catalogue(self) -> tuple[dict[str, str], dict[str, str]]:
        """Course titles and group titles, each by title key."""
        ...

    async def draft(
        self, *, group_id: int | None, name: str, text: str, created_by: int | None
    ) -> SavedRule: ...
    async def get(self, rule_id: int) -> SavedRule | None: ...
    async def activate(
        self, rule_id: int, now: datetime, *, approved_by: int | None = None
    ) -> SavedRule | None:
        """Compare-and-set draft -> active, or with ``approved_by`` pending -> active (the
        rule it replaces: replaced); None otherwise."""
        ...

    async def request_approval(
        self, rule_id: int, *, channel: str, thread_ts: str
    ) -> SavedRule | None:
        """Compare-and-set draft -> pending, remembering where its preview is."""
        ...

    async def reject(
        self, rule_id: int, *, by: int | None, reason: str, now: datetime
    ) -> SavedRule | None:
        """Compare-and-set pending -> rejected, with who and why."""
        ...

    async def cancel(self, rule_id: int) -> SavedRule | None: ...
    async def end(self, group_id: int, *, by: int | None, now: datetime) -> SavedRule | None: ...
    async def active_for_group(self, group_id: int) -> SavedRule | None: ...
    async def active_group_rules(self) -> list[SavedRule]: ...
    async def any_group_rule(self) -> bool:
        """Whether any group's membership follows a rule (one cheap query)."""
        ...

    async def segments(self) -> list[SavedRule]: ...
    async def segment(self, name: str) -> SavedRule | None: ...
    async def preview(
        self, group_id: int | None, rule: Rule, now: datetime, *, limit: int
    ) -> RulePreview: ...
    async def changes(self, group_id: int | None, rule: Rule, now: datetime) -> RuleRun: ...
    async def apply(
        self,
        rule_id: int,
        group_id: int,
        rule: Rule,
        now: datetime,
        *,
        user_ids: Collection[int] | None,
        cause: str,
        compose: Compose,
    ) -> RuleRun:
        """One transaction: memberships added and ended, enrolments, emails, events."""
        ...

    async def events(self, group_id: int, *, limit: int) -> list[RuleEvent]: ...
    async def set_text(self, rule_id: int, text: str) -> None: ...
