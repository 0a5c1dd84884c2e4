"""Reading a large sheet a row at a time, for files python-calamine would hold whole.

python-calamine builds the sheet's whole range in memory before the first row
comes out: about 560 bytes a row, 279 MB for the half-million rows a file may
have, on top of the reader's own process. Above :data:`STREAM_ABOVE` bytes of
sheet XML, the sheet is parsed here with expat instead, straight from the zip,
and each row goes to the checks as soon as it ends, so memory no longer grows
with the rows: only the shared strings are kept, and those in one UTF-8 buffer
with an array of offsets (about a third of what a list of Python strings
takes).

It hands the checks what python-calamine would: rows from the first one with
a value to the last, blank ones in between included, each cell placed by its
reference (or, without one, next to the one before, as OOXML says); text with
Excel's ``_xHHHH_`` escapes decoded, numbers as floats, dates, times and
durations by their cell's number format, booleans, and an error as empty text.
A test reads the same files both ways and compares what the checks make of
them. The same defences hold as for python-calamine: the archive and the used
range were already checked (:mod:`bot.xlsx_reader`, :mod:`bot.xlsx_extent`),
a DTD (the start of every entity bomb) is refused, and formulas never reach
this reader (a sheet with one goes to openpyxl, which names the cell).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import IO
from xml.parsers import expat

from defusedxml.ElementTree import fromstring

from bot.xlsx_extent import CANT_READ, Limits, Sheet, beyond, position
from domain.bulk.sheet import FileRefused

STREAM_ABOVE = 64 * 1024 * 1024
"""Unpacked bytes of sheet XML above which a sheet is streamed: some 200,000 rows
of the template with every column filled. Below it python-calamine, about three
times faster, stays well within 300 MB."""

Row = tuple[int, list[object]]

_READ = 1 << 16
_DIGITS = "0123456789"
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DATE_IDS = frozenset({*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)})
_DURATION_IDS = frozenset({46})
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETED = re.compile(r"\[([^\]]*)\]")
_EPOCH = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)
_RELATIONS = "xl/_rels/workbook.xml.rels"


class SharedStrings:
    """The workbook's shared strings in one buffer: string ``n`` is the UTF-8 bytes
    from ``ends[n - 1]`` to ``ends[n]``."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._buffer += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._buffer))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self._ends[index - 1] if index else 0
        return self._buffer[start : self._ends[index]].decode("utf-8", "surrogatepass")


def is_streamed(archive: zipfile.ZipFile, sheet: Sheet) -> bool:
    """Whether ``sheet`` is big enough that python-calamine would hold too much of it."""
    return archive.getinfo(sheet.part).file_size > STREAM_ABOVE


def stream_rows(archive: zipfile.ZipFile, sheet: Sheet, limits: Limits) -> Iterator[Row]:
    """The rows of ``sheet`` with their numbers, as python-calamine would give them."""
    strings = _shared_strings(archive)
    dates, base = _date_styles(archive), _date_base(archive)
    with archive.open(sheet.part) as stream:
        yield from _Rows(strings, dates, base, limits).read(stream)


class _Rows:
    """Expat's handlers over a worksheet: each row's cells, placed and converted."""

    def __init__(
        self, strings: SharedStrings, dates: dict[int, bool], base: datetime, limits: Limits
    ) -> None:
        self._strings = strings
        self._dates = dates
        self._base = base
        self._limits = limits
        self._row = 0
        self._column = 0
        self._cells: list[object] = []
        self._kind = ""
        self._style = 0
        self._text: list[str] = []
        self._in_text = False
        self._filled = False
        self._done: list[Row] = []
        self._last = 0

    def read(self, stream: IO[bytes]) -> Iterator[Row]:
        parser = _parser()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        try:
            while chunk := stream.read(_READ):
                parser.Parse(chunk, False)
                yield from self._done
                self._done.clear()
            parser.Parse(b"", True)
        except (expat.ExpatError, ValueError, IndexError, zipfile.BadZipFile, OSError):
            raise FileRefused(CANT_READ) from None
        yield from self._done

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        """Called for every element, so the common ones are tested first; a prefixed
        element is known by its local name, as python-calamine knows it."""
        if tag == "c":
            ref = attributes.get("r")
            self._column = _column(ref) if ref else self._column + 1
            self._kind = attributes.get("t", "n")
            style = attributes.get("s")
            self._style = int(style) if style else 0
            self._filled = False
            self._text = []
        elif tag == "v" or tag == "t":
            self._in_text = True
            self._filled = True
        elif tag == "row":
            given = attributes.get("r")
            self._row = int(given) if given else self._row + 1
            self._column = 0
            self._cells = []
        elif ":" in tag:
            self._start(tag.rpartition(":")[2], attributes)

    def _characters(self, text: str) -> None:
        if self._in_text:
            self._text.append(text)

    def _end(self, tag: str) -> None:
        if tag == "v" or tag == "t":
            self._in_text = False
        elif tag == "c":
            if self._filled:
                self._place(self._value("".join(self._text)))
        elif tag == "row":
            self._ended_row()
        elif ":" in tag:
            self._end(tag.rpartition(":")[2])

    def _place(self, value: object) -> None:
        if self._column > self._limits.columns:
            raise beyond(self._row, self._column, self._limits)
        missing = self._column - 1 - len(self._cells)
        if missing >= 0:
            self._cells.extend([None] * missing)
            self._cells.append(value)
        else:
            self._cells[self._column - 1] = value

    def _ended_row(self) -> None:
        """A row with a value comes out after the blank ones since the last such row;
        blank rows before the first and after the last never do."""
        if not self._cells:
            return
        if self._last:
            self._done.extend((n, []) for n in range(self._last + 1, self._row))
        self._last = self._row
        self._done.append((self._row, self._cells))

    def _value(self, text: str) -> object:
        kind = self._kind
        if kind == "s":
            return self._strings[int(text)]
        if kind in ("inlineStr", "str"):
            return _unescape(text)
        if kind == "b":
            return text.strip() == "1"
        if kind == "e":
            return ""
        if kind == "d":
            return text
        number = float(text)
        style = self._dates.get(self._style)
        if style is None:
            return number
        if style:
            return timedelta(days=number)
        return _date(number, self._base)


@lru_cache(maxsize=1024)
def _letters(letters: str) -> int:
    return position(f"{letters}1")[1]


def _column(ref: str) -> int:
    """The column of a reference like ``B7``; the letters' number is remembered, since
    a sheet repeats the same few columns on every row."""
    letters = ref.rstrip(_DIGITS)
    return position(ref)[1] if letters == ref else _letters(letters)


def _date(serial: float, base: datetime) -> object:
    """A date serial as python-calamine gives it: a time below one day, a date when
    whole, a datetime otherwise (to the millisecond, as Excel keeps it)."""
    moment = base + timedelta(milliseconds=round(serial * 86_400_000))
    if serial < 1:
        return moment.time()
    if moment.time() == time():
        return moment.date()
    return moment


def _unescape(text: str) -> str:
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    return parser


def _no_doctype(*_: object) -> None:
    """Workbook parts never declare a DTD; one that does may be building entity bombs."""
    raise ValueError("a DTD in a workbook part")


def _shared_strings(archive: zipfile.ZipFile) -> SharedStrings:
    """Every ``<si>``: its ``<t>`` texts joined, phonetic runs (``<rPh>``) left out."""
    strings = SharedStrings()
    part = _part(archive, "/sharedStrings")
    if part is None:
        return strings
    texts: list[str] = []
    depth = {"rPh": 0, "t": 0}

    def start(tag: str, _: dict[str, str]) -> None:
        tag = tag.rpartition(":")[2]
        if tag in depth:
            depth[tag] += 1
        elif tag == "si":
            texts.clear()

    def end(tag: str) -> None:
        tag = tag.rpartition(":")[2]
        if tag in depth:
            depth[tag] -= 1
        elif tag == "si":
            strings.append(_unescape("".join(texts)))

    def characters(text: str) -> None:
        if depth["t"] and not depth["rPh"]:
            texts.append(text)

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    _parse(archive, part, parser)
    return strings


def _parse(archive: zipfile.ZipFile, part: str, parser: expat.XMLParserType) -> None:
    try:
        with archive.open(part) as stream:
            parser.ParseFile(stream)
    except (expat.ExpatError, ValueError, zipfile.BadZipFile, OSError):
        raise FileRefused(CANT_READ) from None


def _part(archive: zipfile.ZipFile, kind: str) -> str | None:
    """The workbook's part of a relationship type ending in ``kind``, if it has one."""
    try:
        relations = fromstring(archive.read(_RELATIONS))
    except KeyError:
        return None
    for relation in relations:
        if relation.get("Type", "").endswith(kind):
            target = relation.get("Target", "")
            part = target[1:] if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            return part if part in archive.namelist() else None
    return None


def _date_styles(archive: zipfile.ZipFile) -> dict[int, bool]:
    """Cell style indices whose number format shows a date or time (False) or a
    duration (True); other styles are plain numbers."""
    part = _part(archive, "/styles")
    if part is None:
        return {}
    root = fromstring(archive.read(part))
    codes = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "")
        for f in root.iter()
        if f.tag.rpartition("}")[2] == "numFmt"
    }
    styles: dict[int, bool] = {}
    for holder in (e for e in root.iter() if e.tag.rpartition("}")[2] == "cellXfs"):
        for index, xf in enumerate(holder):
            kind = _format_kind(int(xf.get("numFmtId", "0")), codes)
            if kind is not None:
                styles[index] = kind
    return styles


def _format_kind(number: int, codes: dict[int, str]) -> bool | None:
    """True for a duration, False for a date or time, None for anything else."""
    if number in codes:
        code = _QUOTED.sub("", codes[number])
        bracketed = _BRACKETED.findall(code)
        if any(b.lower() in ("h", "hh", "m", "mm", "s", "ss") for b in bracketed):
            return True
        return False if any(c in "dmyhs" for c in _BRACKETED.sub("", code).lower()) else None
    if number in _DURATION_IDS:
        return True
    return False if number in _DATE_IDS else None


def _date_base(archive: zipfile.ZipFile) -> datetime:
    """Day zero of the workbook's dates: 1904 for old Mac workbooks, 1900 otherwise."""
    root = fromstring(archive.read("xl/workbook.xml"))
    for element in root.iter():
        if element.tag.rpartition("}")[2] == "workbookPr":
            return _EPOCH_1904 if element.get("date1904") in ("1", "true") else _EPOCH
    return _EPOCH
