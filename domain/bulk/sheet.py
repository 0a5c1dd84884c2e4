"""Checking a bulk-add spreadsheet, every row, before anything is written.

The reader hands over cells as plain values (and whether each was a formula);
this module decides what they mean: the header must be the template's, each
row needs a username and an email, duplicates are named with both rows, and
every problem says which row, which column, what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from domain.entities import Actor
from domain.errors import DomainError, InvalidInput
from domain.permissions import Capability, require
from domain.validation import (
    clean_text,
    normalize_email,
    normalize_name,
    normalize_tags,
    normalize_title,
    normalize_username,
    storable,
    title_key,
    visible,
)

REQUIRED = ("username", "email")
ERROR_COLUMN = "error"
"""Last column of the rows-to-fix file; ignored when that file comes back fixed."""
OPTIONAL = ("first name", "last name", "tags")
PROGRESS_COLUMNS = ("email", "course", "progress")
"""The progress template: whose progress, in which course, in percent (0-100)."""

TIPS = (
    "Fill in one person per row, starting on row 2. Username and email are required.",
    "Do not rename, reorder, add or remove columns: the header must stay as it is.",
    "Paste values only (in Excel: Paste Special > Values), so no formatting or formulas "
    "come along.",
    "Type emails as plain text, not as links; a link is read as its address.",
    "Tags are separated by commas, e.g. sales, emea.",
    "People already in the school are added to the group, not created again.",
)


class Formula(str):
    """A cell that held a formula, as its formula's text; any other cell is its value."""

    __slots__ = ()


class TemplateMismatch(DomainError):
    """The header row is not the template's; ``problem`` says exactly how."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    column: str
    problem: str
    fix: str


class StagedRow(NamedTuple):
    """One row as a job keeps it: the person's fields, or the row as uploaded
    with ``problem`` saying why it will be skipped. A tuple, because a file
    may hold half a million of them."""

    row: int
    username: str
    email: str
    first_name: str = ""
    last_name: str = ""
    tags: str = ""
    problem: str = ""
    course: str = ""
    progress: str = ""

    def values(self, columns: Sequence[str]) -> tuple[str, ...]:
        """The row in the upload's own columns, for the files handed back."""
        by_name = {
            "username": self.username,
            "email": self.email,
            "first name": self.first_name,
            "last name": self.last_name,
            "tags": self.tags,
            "course": self.course,
            "progress": self.progress,
        }
        return tuple(by_name.get(c, "") for c in columns)


@dataclass
class Tally:
    """What a check found, small enough to return whatever the file's size:
    counts, the first problems to show inline and the first notes."""

    columns: tuple[str, ...]
    ready_rows: int = 0
    rejected: int = 0
    problems: int = 0
    blank_rows: int = 0
    first_problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ready(self, row: StagedRow, note: str) -> StagedRow:
        self.ready_rows += 1
        if note and len(self.notes) < NOTES_KEPT:
            self.notes.append(note)
        return row

    def reject(self, number: int, texts: Sequence[str], problems: list[RowProblem]) -> StagedRow:
        """The row as uploaded, with every problem it has."""
        self.rejected += 1
        self.problems += len(problems)
        room = PROBLEMS_KEPT - len(self.first_problems)
        self.first_problems.extend(problems[: max(room, 0)])
        values = dict(zip(self.columns, map(storable, texts), strict=False))
        return StagedRow(
            number,
            values.get("username", ""),
            values.get("email", ""),
            values.get("first name", ""),
            values.get("last name", ""),
            values.get("tags", ""),
            " | ".join(f"{p.column}: {p.problem}; {p.fix}" for p in problems),
            values.get("course", ""),
            values.get("progress", ""),
        )


PROBLEMS_KEPT = 10
NOTES_KEPT = 5


def template_columns(chosen: Iterable[str] = OPTIONAL) -> tuple[str, ...]:
    """The required columns, then the chosen optional ones in the template's order."""
    wanted = {clean_text(c).lower() for c in chosen}
    unknown = sorted(wanted - set(OPTIONAL))
    if unknown:
        raise InvalidInput(
            "columns",
            f"`{unknown[0]}` is not a template column; choose from {', '.join(OPTIONAL)}.",
        )
    return REQUIRED + tuple(c for c in OPTIONAL if c in wanted)


def check_header(cells: Sequence[object], *, progress: bool = False) -> tuple[str, ...]:
    """The template's columns this header holds, or TemplateMismatch naming the fix."""
    names = [_text(c).lower() for c in cells]
    while names and not names[-1]:
        names.pop()
    if len(names) > len(REQUIRED) and names[-1] == ERROR_COLUMN:
        names.pop()
    if progress:
        return _exact(names, PROGRESS_COLUMNS)
    if not names:
        raise TemplateMismatch(
            "Row 1 is empty: it must be the template's header (username, email, ...)."
        )
    expected_start = list(REQUIRED)
    for index, want in enumerate(expected_start):
        got = names[index] if index < len(names) else ""
        if got != want:
            return _mismatch(index, got, want)
    rest = names[len(REQUIRED) :]
    allowed = [c for c in OPTIONAL if c in rest]
    for index, got in enumerate(rest, start=len(REQUIRED)):
        if got not in OPTIONAL:
            what = f"`{got}`" if got else "an empty header"
            raise TemplateMismatch(
                f"Column {_letter(index)} has {what}; the template has no such column. "
                f"Remove it, or use only {', '.join(OPTIONAL)} after email."
            )
    if rest != allowed or len(set(rest)) != len(rest):
        raise TemplateMismatch(
            f"The optional columns are out of order or repeated ({', '.join(rest)}); "
            f"keep them in the template's order: {', '.join(OPTIONAL)}."
        )
    return tuple(names)


def _exact(names: list[str], columns: tuple[str, ...]) -> tuple[str, ...]:
    for index, want in enumerate(columns):
        got = names[index] if index < len(names) else ""
        if got != want:
            return _mismatch(index, got, want)
    if len(names) > len(columns):
        raise TemplateMismatch(
            f"Column {_letter(len(columns))} has `{names[len(columns)]}`; the progress "
            f"template has only {', '.join(columns)}. Remove the extra columns."
        )
    return columns


def _mismatch(index: int, got: str, want: str) -> tuple[str, ...]:
    where = f"Column {_letter(index)}"
    if not got:
        raise TemplateMismatch(f"{where} should be `{want}` but is missing.")
    raise TemplateMismatch(
        f"{where} should be `{want}`, not `{got}`: keep the template's header as it is."
    )


def check_rows(
    columns: Sequence[str], rows: Iterable[tuple[int, Sequence[object]]], tally: Tally
) -> Iterator[StagedRow]:
    """Rows of the bulk-add template: a person each, an email used once."""
    at = {name: i for i, name in enumerate(columns)}

    def person(number: int, texts: list[str]) -> Checked:
        return _check_row(number, texts, at)

    def twice(staged: StagedRow, seen: int) -> str:
        return f"{staged.email} is also on row {seen}"

    return _checked(columns, rows, tally, person, lambda s: s.email, twice)


def check_progress_rows(
    rows: Iterable[tuple[int, Sequence[object]]], tally: Tally
) -> Iterator[StagedRow]:
    """Rows of the progress template: an email, a course title, a percentage."""

    def twice(staged: StagedRow, seen: int) -> str:
        return f"{staged.email} and {staged.course} are also on row {seen}"

    return _checked(
        PROGRESS_COLUMNS,
        rows,
        tally,
        _check_progress_row,
        lambda s: (s.email, title_key(s.course)),
        twice,
    )


Checked = tuple[StagedRow | None, list[RowProblem], str]
"""(the row, ready; or None and its problems; a note worth telling)."""


def _checked(
    columns: Sequence[str],
    rows: Iterable[tuple[int, Sequence[object]]],
    tally: Tally,
    check: Callable[[int, list[str]], Checked],
    key: Callable[[StagedRow], Hashable],
    twice: Callable[[StagedRow, int], str],
) -> Iterator[StagedRow]:
    """Every row checked, one at a time; blank rows are counted in ``tally``, and
    every other row comes out, ready or with its problems: nothing is dropped. A
    formula in any cell refuses the row; so does a ``key`` seen on an earlier row.

    This runs for every row of files of up to half a million rows, so it works
    on plain lists, not a dict per row."""
    width = len(columns)
    first_row_of: dict[Hashable, int] = {}
    for number, cells in rows:
        cells = cells[:width]
        texts = [_text(v) for v in cells]
        texts += [""] * (width - len(texts))
        formulas = [i for i, v in enumerate(cells) if type(v) is Formula]
        if not formulas and not any(texts):
            tally.blank_rows += 1
            continue
        if formulas:
            yield tally.reject(number, texts, [_formula(columns, i, number) for i in formulas])
            continue
        staged, problems, note = check(number, texts)
        if staged is not None:
            seen = first_row_of.setdefault(key(staged), number)
            if seen != number:
                problems.append(
                    RowProblem(number, "email", twice(staged, seen), "keep one of the two rows")
                )
        if problems:
            yield tally.reject(number, texts, problems)
        elif staged is not None:
            yield tally.ready(staged, note)


def _check_progress_row(number: int, texts: list[str]) -> Checked:
    raw_email, course, raw_progress = texts
    problems: list[RowProblem] = []
    email = ""
    try:
        email = normalize_email(raw_email)
    except InvalidInput:
        what = f"`{raw_email[:80]}` is not an email address" if raw_email else "is empty"
        problems.append(RowProblem(number, "email", what, "type it as name@example.org"))
    if not course:
        problems.append(RowProblem(number, "course", "is empty", "type the course's title"))
    else:
        course = _normalised(
            problems, number, "course", lambda: normalize_title(course, what="course")
        )
    percent = raw_progress.removesuffix("%").strip()
    if not percent.isdigit() or int(percent) > 100:
        what = f"`{raw_progress[:20]}` is not a percentage" if raw_progress else "is empty"
        problems.append(RowProblem(number, "progress", what, "type a whole number from 0 to 100"))
    if problems:
        return None, problems, ""
    return StagedRow(number, "", email, course=course, progress=str(int(percent))), problems, ""


def _formula(columns: Sequence[str], index: int, number: int) -> RowProblem:
    return RowProblem(
        number,
        columns[index],
        f"cell {_letter(index)}{number} holds a formula",
        "type the value itself (Paste Special > Values)",
    )


def _check_row(number: int, texts: list[str], at: dict[str, int]) -> Checked:
    """Each value goes through the same normaliser as when it is typed in Slack or
    sent by the course player, so a name refused there is refused here too."""
    problems: list[RowProblem] = []
    username = texts[at["username"]]
    raw_email = texts[at["email"]]
    if not username:
        problems.append(RowProblem(number, "username", "is empty", "type a username"))
    email, note = "", ""
    if not raw_email:
        problems.append(RowProblem(number, "email", "is empty", "type an email address"))
    else:
        try:
            email = normalize_email(raw_email)
        except InvalidInput:
            problems.append(
                RowProblem(
                    number,
                    "email",
                    f"`{visible(raw_email)}` is not an email address",
                    "type it as name@example.org",
                )
            )
        if email and raw_email[:7].lower() == "mailto:":
            note = f"row {number}: the email was a link; read it as {email}"
    first, last, tags = (texts[at[n]] if n in at else "" for n in OPTIONAL)
    values = [
        _normalised(problems, number, "username", lambda: normalize_username(username, email="")),
        _normalised(
            problems, number, "first name", lambda: normalize_name(first, field="first name")
        ),
        _normalised(problems, number, "last name", lambda: normalize_name(last, field="last name")),
        _normalised(problems, number, "tags", lambda: normalize_tags(tags)),
    ]
    if problems:
        return None, problems, ""
    return StagedRow(number, values[0], email, values[1], values[2], values[3]), problems, note


def _normalised(
    problems: list[RowProblem], number: int, column: str, normalise: Callable[[], str]
) -> str:
    """The value ``normalise`` makes, or "" with its problem added to the row's."""
    try:
        return normalise()
    except InvalidInput as bad:
        problems.append(RowProblem(number, column, bad.problem, bad.fix or "correct it"))
        return ""


def _text(value: object) -> str:
    """A cell as the person typed it: 12345, not 12345.0; dates as ISO dates."""
    if type(value) is str:
        return clean_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def _letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class BulkSheets:
    """Bulk adds from a spreadsheet; "Bulk actions" is the capability they need."""

    def template(self, actor: Actor, chosen: Sequence[str] | None = None) -> tuple[str, ...]:
        """The template's columns for this caller, who must be allowed bulk actions;
        ``progress`` alone asks for the progress template."""
        require(actor, Capability.BULK_ACTIONS)
        if chosen is not None and [clean_text(c).lower() for c in chosen] == ["progress"]:
            require(actor, Capability.UPDATE_PROGRESS)
            return PROGRESS_COLUMNS
        return template_columns(OPTIONAL if chosen is None else chosen)


class NotTheirFile(DomainError):
    """Someone shared a file another person uploaded; ``owner`` is that person's
    Slack id, when Slack says."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        super().__init__(f"uploaded by {owner or 'someone else'}")


class FileRefused(DomainError):
    """The upload can't be used at all; ``problem`` says what to upload instead."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)

    @classmethod
    def too_large(cls, cap: int) -> FileRefused:
        return cls(
            f"The file is larger than {cap // 1024 // 1024} MB. Split it into several files."
        )
