"""What the Emails log and the User action log are filtered by, as typed: a kind
(an email's trigger, a bulk action's type) and a time, in any order."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from domain.errors import InvalidInput
from domain.validation import parse_since

K = TypeVar("K", bound=StrEnum)


@dataclass(frozen=True)
class LogFilter(Generic[K]):
    kind: K | None = None
    since: datetime | None = None


def parse_log_filter(
    words: Sequence[str],
    *,
    kinds: Mapping[str, K],
    what: str,
    now: datetime,
    filler: Collection[str] = (),
) -> LogFilter[K]:
    """``[kind] [since]`` in any order, ``since`` being ``7d``, ``24h``, ``2w`` or a
    date; ``what`` names the kinds in the refusal, ``filler`` words mean nothing."""
    chosen: LogFilter[K] = LogFilter()
    for word in words:
        lowered = word.lower()
        if lowered in kinds or lowered in filler:
            chosen = LogFilter(kinds.get(lowered, chosen.kind), chosen.since)
            continue
        try:
            chosen = LogFilter(chosen.kind, parse_since(word, now=now))
        except InvalidInput:
            raise InvalidInput(
                "filter",
                f"`{word}` is neither {what} ({', '.join(kinds)}) nor a time "
                "(7d, 24h, 2w or a date like 2026-11-01).",
            ) from None
    return chosen
