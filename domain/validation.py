"""Pure checks and normalisation of what people type."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from domain.errors import InvalidInput

MAX_TITLE = 80
MAX_DESCRIPTION = 1000
MAX_USERNAME = 64
MAX_NAME = 100
MAX_TAGS = 20
MAX_TAG = 100
MAX_TAGS_TEXT = 1000
MAX_LABEL = 200
MAX_SEATS = 100_000

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")
_TRIM = (
    " \t\r\n\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u202f\u205f\u3000\ufeff"
)
"""What people's copy and paste leaves around a value: spaces of every width,
tabs and line ends, the zero-width space and the byte-order mark."""
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_JOINERS = frozenset({"\u200c", "\u200d"})
"""Zero-width (non-)joiners are format characters that Persian, Indic scripts and
emoji sequences need to be written correctly, so names may hold them."""
_NAMED = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a line break",
    "\u2028": "a line break",
    "\u2029": "a paragraph break",
}


def unsafe_char(ch: str) -> bool:
    """Whether a character can't be shown or stored safely: control and format
    characters (line breaks, tabs, direction overrides that disguise text),
    surrogates, private-use characters and Unicode's noncharacters."""
    if ch in _JOINERS:
        return False
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return True
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def has_control(text: str) -> bool:
    """Whether any character of ``text`` is unsafe (see :func:`unsafe_char`).

    Printable ASCII, nearly every value, is answered at C speed; only other
    text is looked at character by character.
    """
    if text.isascii() and text.isprintable():
        return False
    return any(unsafe_char(ch) for ch in text)


def visible(text: str, limit: int = 80) -> str:
    """A value as it can be quoted back to a person: unsafe characters shown as
    \u2400-style symbols or U+FFFD, cut to ``limit`` characters."""
    shown = "".join(_symbol(ch) if unsafe_char(ch) else ch for ch in text[:limit])
    return shown + ("…" if len(text) > limit else "")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """A refused value kept as it came, to hand back for fixing: only the characters
    no database text can hold (NUL, lone surrogates) become U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _symbol(ch: str) -> str:
    code = ord(ch)
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def _what(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    return f"an invisible control character (U+{ord(ch):04X})"


def clean_text(value: str) -> str:
    """Trim the spaces and line ends people paste from documents; nothing else, so
    an invisible control character at either end is still seen and refused."""
    return value.strip(_TRIM)


def tidy(value: str | None, *, field: str, limit: int) -> str:
    """The one way a short piece of text people typed becomes a stored value.

    Trimmed, composed (NFC, so "é" typed two ways is one name), runs of spaces
    collapsed into one; refused with :class:`InvalidInput` naming the
    character, when it holds one that can't be shown or stored safely, or
    when it is longer than ``limit``. Every path into Roster (command, modal,
    spreadsheet, activity API, web form) calls this, so they cannot drift.
    """
    text = clean_text(value or "")
    if not (text.isascii() and text.isprintable()):
        for ch in text:
            if unsafe_char(ch):
                raise InvalidInput(
                    field,
                    f"`{visible(text)}` has {_what(ch)}",
                    fix=f"type the {field} again without it",
                )
        text = unicodedata.normalize("NFC", text)
        text = " ".join(text.split())
    elif "  " in text:
        text = " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput(
            field,
            f"the {field} is {len(text)} characters long",
            fix=f"keep it to {limit} characters",
        )
    return text


def normalize_email(value: str) -> str:
    """Lower-case, trimmed address, or :class:`InvalidInput` saying what is wrong."""
    email = clean_text(value).lower()
    if email.startswith("mailto:"):
        email = email.removeprefix("mailto:")
    if not email:
        raise InvalidInput("email", "an email address is required, e.g. ada@school.org.")
    if len(email) > 254 or has_control(email) or not _EMAIL.match(email):
        raise InvalidInput(
            "email",
            f"`{visible(email)}` is not a valid email address; use the form ada@school.org.",
        )
    return email


def normalize_title(value: str, *, what: str = "title") -> str:
    title = tidy(value, field=what, limit=MAX_TITLE)
    if not title:
        raise InvalidInput(what, f"a {what} is required.")
    return title


def normalize_description(value: str | None) -> str:
    """Several lines are welcome in a description; other control characters are not."""
    return _paragraphs(value, field="description", limit=MAX_DESCRIPTION)


def normalize_reason(value: str | None) -> str:
    """Why an admin decided as they did: free text over several lines, shown in Slack."""
    return _paragraphs(value, field="reason", limit=MAX_DESCRIPTION)


def _paragraphs(value: str | None, *, field: str, limit: int) -> str:
    lines = (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(tidy(line, field=field, limit=limit) for line in lines).strip()
    if len(text) > limit:
        raise InvalidInput(field, f"keep the {field} to {limit} characters.")
    return text


def normalize_username(value: str | None, *, email: str) -> str:
    """The username as the person wrote it: a name and surname are welcome, in any
    script; with none given, the address's local part."""
    return tidy(value, field="username", limit=MAX_USERNAME) or email.split("@", 1)[0]


def normalize_name(value: str | None, *, field: str) -> str:
    """A first or last name; may be empty."""
    return tidy(value, field=field, limit=MAX_NAME)


def normalize_tags(value: str | None) -> str:
    """Comma-separated tags, each tidied; empty ones dropped, repeats kept once."""
    text = value or ""
    if len(text) > MAX_TAGS_TEXT:
        raise InvalidInput(
            "tags", f"the tags have {len(text):,} characters", fix=f"keep to {MAX_TAGS_TEXT}"
        )
    tags: dict[str, str] = {}
    for part in text.split(","):
        tag = tidy(part, field="tag", limit=MAX_TAG)
        if tag:
            tags.setdefault(tag.casefold(), tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput("tags", f"there are {len(tags)} tags", fix=f"keep {MAX_TAGS} or fewer")
    return ", ".join(tags.values())


def normalize_label(value: str | None, *, field: str) -> str:
    """A short name reported by another system (an assessment, a certificate)."""
    return tidy(value, field=field, limit=MAX_LABEL)


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
    """``24h`` back from now; ``7d`` or ``2w`` from midnight that many days ago; a date
    such as ``2026-11-01`` from its midnight. Days are those of ``now``'s time zone
    (the school's, see :mod:`domain.school_time`); the moment comes back in UTC."""
    text = clean_text(value).lower()
    match = _SINCE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        if unit == "h":
            return (now - timedelta(hours=amount)).astimezone(UTC)
        days = amount * (7 if unit == "w" else 1)
        return _midnight((now - timedelta(days=days)).date(), now)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "since", f"`{value}` is not a time; use 7d, 24h, 2w or a date like 2026-11-01."
        ) from None
    return _midnight(day, now)


def _midnight(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time(), tzinfo=now.tzinfo).astimezone(UTC)
