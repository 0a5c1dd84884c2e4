"""The background pass that keeps dated group rules true as time goes by."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from domain.rules.service import RuleService

log = logging.getLogger(__name__)


async def keep_rules_true(rules: RuleService, stop: asyncio.Event, *, every: float) -> None:
    """Every group rule once at start, then the dated ones every ``every`` seconds."""
    dated_only = False
    while not stop.is_set():
        try:
            await rules.sweep(dated_only=dated_only)
        except Exception:
            log.exception("re-evaluating the group rules failed; trying again later")
        dated_only = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
