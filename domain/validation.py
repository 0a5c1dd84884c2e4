"""Pure checks and normalisation of what people type."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from domain.errors import InvalidInput

MAX_TITLE = 80
MAX_DESCRIPTION = 1000
MAX_USERNAME = 64
MAX_SEATS = 100_000

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")
_SPACES = "\u00a0\u2007\u202f\u200b\ufeff"


def has_control(text: str) -> bool:
    """Control or format characters (line breaks, zero-width, direction marks).

    Printable ASCII, nearly every value, is answered at C speed; only other
    text is looked at character by character.
    """
    if text.isascii() and text.isprintable():
        return False
    return any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text)


def clean_text(value: str) -> str:
    """Trim ordinary and non-breaking spaces people paste from documents."""
    return value.strip().strip(_SPACES).strip()


def normalize_email(value: str) -> str:
    """Lower-case, trimmed address, or :class:`InvalidInput` saying what is wrong."""
    email = clean_text(value).lower()
    if email.startswith("mailto:"):
        email = email.removeprefix("mailto:")
    if not email:
        raise InvalidInput("email", "an email address is required, e.g. ada@school.org.")
    if len(email) > 254 or has_control(email) or not _EMAIL.match(email):
        raise InvalidInput(
            "email", f"`{email[:80]}` is not a valid email address; use the form ada@school.org."
        )
    return email


def normalize_title(value: str, *, what: str = "title") -> str:
    title = " ".join(clean_text(value).split())
    if not title:
        raise InvalidInput(what, f"a {what} is required.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            what, f"keep the {what} to {MAX_TITLE} characters (it has {len(title)})."
        )
    if has_control(title):
        raise InvalidInput(what, f"remove the control characters from the {what}.")
    return title


def normalize_description(value: str | None) -> str:
    text = clean_text(value or "")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput("description", f"keep the description to {MAX_DESCRIPTION} characters.")
    return text


def normalize_username(value: str | None, *, email: str) -> str:
    """The typed username, or the address's local part when none was given."""
    username = clean_text(value or "") or email.split("@", 1)[0]
    if len(username) > MAX_USERNAME or has_control(username) or " " in username:
        raise InvalidInput(
            "username",
            f"use a username of at most {MAX_USERNAME} characters without spaces.",
        )
    return username


def normalize_seat_limit(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        seats = int(value)
    except ValueError:
        raise InvalidInput("seat limit", "type a whole number of seats, e.g. 30.") from None
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidInput("seat limit", f"choose between 1 and {MAX_SEATS} seats.")
    return seats


def title_key(title: str) -> str:
    """The form in which two titles clash: case- and width-insensitive."""
    return unicodedata.normalize("NFKC", title).casefold()


_SINCE = re.compile(r"^(\d{1,4})([dhw])$")


def parse_since(value: str, *, now: datetime) -> datetime:
    """``7d``, ``24h``, ``2w`` back from now, or a date such as ``2026-11-01`` (UTC)."""
    text = clean_text(value).lower()
    match = _SINCE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * amount
        return now - timedelta(hours=hours)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "since", f"`{value}` is not a time; use 7d, 24h, 2w or a date like 2026-11-01."
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
