"""How a typed name becomes an id, and which names to suggest when it does not."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from domain.validation import title_key


def parse_id(name: str) -> int | None:
    """``12`` or ``#12`` names an id; anything else is a title."""
    text = name.strip().removeprefix("#")
    return int(text) if text.isdigit() else None


def closest(name: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """Candidates that look like ``name``: prefix or substring first, then fuzzy."""
    key = title_key(name)
    by_key = {title_key(c): c for c in candidates}
    contained = [title for k, title in by_key.items() if key and key in k]
    fuzzy = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.5)
    ordered = contained + [by_key[k] for k in fuzzy if by_key[k] not in contained]
    return ordered[:limit]
