"""How far a sheet really reaches, read from its XML before any reader sees it.

python-calamine allocates a sheet's used range densely: a value in A1 and one
in XFD1048576 (an accidental "last cell" in Excel makes the same) ask it for
512 GiB from a 5 KB file. So the sheet's XML is streamed from the zip first
and each cell's place is read from its reference, never from ``<dimension>``;
a cell with a value beyond the columns or rows a file may have is refused,
by name. A cell with only formatting (an empty ``<c>`` with a style) does not
count: readers skip it, and Excel's "last cell" is often just that.

Nearly every writer (Excel, LibreOffice, Google Sheets, openpyxl, XlsxWriter)
gives each cell a plain ``r="B7"`` first, so a quick pass searches the bytes
for anything else, without parsing them: when every cell has a plain
reference within bounds, that settles it. Anything else (cells without ``r``,
prefixed elements, a far reference that may be formatting only) is parsed
with expat, placing cells as OOXML does when ``r`` is left out (the next row,
the next column), and the first cell with a value out of bounds is named.
The quick pass costs about a third of python-calamine's own read of the
sheet (benchmarks/used_range.py).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import IO
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

from defusedxml.ElementTree import fromstring

from domain.bulk.sheet import FileRefused

MAX_ROWS = 500_000
MAX_COLUMNS = 30
CANT_READ = "The workbook can't be read; save it again as .xlsx."

_CHUNK = 1 << 20
_TAIL = 64
"""More than any match of the quick pass spans: each chunk is read with the last
bytes of the one before, so nothing is missed where two chunks meet."""
_PREFIXED = re.compile(rb":c[\s/>]")
_WIDE = (b"\xff\xfe", b"\xfe\xff")
_FORMULA = re.compile(rb"<f[\s>/]")
_REF = re.compile(r"([A-Za-z]+)([0-9]+)")
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    ParseError,
    expat.ExpatError,
)


@dataclass(frozen=True)
class Limits:
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS


LIMITS = Limits()


@dataclass(frozen=True)
class Sheet:
    """The sheet a file is read from, as far as the readers need to know it."""

    name: str
    part: str
    formulas: bool
    last_row: int | None = None
    """The last row holding a value, when the sheet was parsed to find it."""


def measure(archive: zipfile.ZipFile, limits: Limits) -> Sheet:
    """The sheet to read ("Users", or else the first), refused when a cell with a
    value lies beyond ``limits``."""
    try:
        name, part = _locate(archive)
        with archive.open(part) as stream:
            plain, formulas = _quick(stream, limits)
        if plain:
            return Sheet(name, part, formulas)
        with archive.open(part) as stream:
            walk = _walk(stream, limits)
    except FileRefused:
        raise
    except _UNREADABLE:
        raise FileRefused(CANT_READ) from None
    return Sheet(name, part, walk.formulas, walk.last_row or None)


def _locate(archive: zipfile.ZipFile) -> tuple[str, str]:
    """The worksheet named "Users", or else the first, and its part in the zip."""
    workbook = fromstring(archive.read("xl/workbook.xml"))
    relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        r.get("Id"): r.get("Target", "")
        for r in relations
        if r.get("Type", "").endswith("/worksheet")
    }
    sheets = [
        (s.get("name", ""), targets[s.get(_RELATIONSHIP)])
        for s in _all(workbook, "sheet")
        if s.get(_RELATIONSHIP) in targets
    ]
    if not sheets:
        raise FileRefused(CANT_READ)
    name, target = next((s for s in sheets if s[0] == "Users"), sheets[0])
    part = target[1:] if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    if part not in archive.namelist():
        raise FileRefused(CANT_READ)
    return name, part


def _all(root: Element, local: str) -> list[Element]:
    return [e for e in root.iter() if e.tag.rpartition("}")[2] == local]


def _quick(stream: IO[bytes], limits: Limits) -> tuple[bool, bool]:
    """(whether the quick pass settles it, whether the sheet holds formulas).

    It settles it when every cell's start tag is ``<c r="`` with a plain
    reference within the limits, no row is numbered beyond them, and no cell
    element is prefixed. Each pattern has a literal start, so this is a few
    C-speed searches per megabyte."""
    odd = _odd(limits)
    formulas = False
    buffer = b""
    chunk = stream.read(_CHUNK)
    if chunk[:2] in _WIDE or b"\x00" in chunk[:4]:
        return False, False  # UTF-16 or UTF-32: these byte patterns don't apply
    while True:
        buffer = buffer[-_TAIL:] + chunk
        # A match in the last bytes may be cut short; the next round sees it whole.
        settled = len(buffer) - _TAIL if chunk else len(buffer)
        for pattern in odd:
            found = pattern.search(buffer)
            if found is not None and found.start() < settled:
                return False, formulas
        formulas = formulas or _FORMULA.search(buffer) is not None
        if not chunk:
            return True, formulas
        chunk = stream.read(_CHUNK)


@lru_cache
def _odd(limits: Limits) -> tuple[re.Pattern[bytes], ...]:
    """What the quick pass can't settle: a cell start tag other than ``<c r="`` and
    a plain reference within the limits; a row numbered beyond them; a prefixed
    cell element."""
    near = _letters_up_to(limits.columns) + _numbers_up_to(limits.rows + 1)
    cell = rb'<c(?:[>/\t\n\r]| (?!r="' + near + rb'"))'
    row = rb'<row r="(?!' + _numbers_up_to(limits.rows + 1) + rb'")'
    return re.compile(cell), re.compile(row), _PREFIXED


def _letters_up_to(count: int) -> bytes:
    """A pattern for the names of the first ``count`` columns."""
    name = column_name(count)
    options = [f"[A-Z]{{1,{len(name) - 1}}}"] if len(name) > 1 else []
    for i, letter in enumerate(name):
        if letter != "A":
            rest = "[A-Z]" * (len(name) - i - 1)
            options.append(f"{name[:i]}[A-{chr(ord(letter) - 1)}]{rest}")
    options.append(name)
    return f"(?:{'|'.join(options)})".encode()


def _numbers_up_to(number: int) -> bytes:
    """A pattern for the whole numbers from 1 to ``number``, without leading zeros."""
    digits = str(number)
    options = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = "[0-9]" * (len(digits) - i - 1)
            options.append(f"{digits[:i]}[{lowest}-{int(digit) - 1}]{rest}")
    options.append(digits)
    return f"(?:{'|'.join(options)})".encode()


class _Walk:
    """Expat's handlers: where each cell is, whether it holds anything, and the
    first one with a value beyond the limits. Elements are known by their local
    name whatever their prefix, as python-calamine knows them."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = 0
        self.column = 0
        self.cell: tuple[int, int] | None = None
        self.filled = False
        self.formulas = False
        self.last_row = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            ref = attributes.get("r")
            row, column = position(ref) if ref else (self.row, self.column + 1)
            self.column = column
            self.cell, self.filled = (row, column), False
        elif tag in _VALUES:
            if self.cell is not None:
                self.filled = True
                self.formulas = self.formulas or tag == "f"
        elif tag == "row":
            given = attributes.get("r")
            self.row = _whole(given) if given else self.row + 1
            self.column = 0

    def end(self, tag: str) -> None:
        if self.cell is None or (tag != "c" and not tag.endswith(":c")):
            return
        (row, column), self.cell = self.cell, None
        if not self.filled:
            return
        if column > self.limits.columns or row > self.limits.rows + 1:
            raise beyond(row, column, self.limits)
        self.last_row = max(self.last_row, row)


_VALUES = frozenset({"v", "is", "f"})


def _walk(stream: IO[bytes], limits: Limits) -> _Walk:
    walk = _Walk(limits)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    parser.StartElementHandler = walk.start
    parser.EndElementHandler = walk.end
    parser.ParseFile(stream)
    return walk


def _no_doctype(*_: object) -> None:
    """A worksheet never declares a DTD; one that does may be building entity bombs."""
    raise ValueError("a DTD in a worksheet")


def beyond(row: int, column: int, limits: Limits) -> FileRefused:
    """The refusal naming the cell, with what to delete."""
    ref = f"{column_name(column)}{row}"
    if column > limits.columns:
        return FileRefused(
            f"Cell {ref} holds a value, far outside the template's columns (A to "
            f"{column_name(limits.columns)} at most). Delete everything right of your last "
            "column and below your last row (in Excel, Ctrl+End goes to the last cell it "
            "keeps), then upload again."
        )
    return FileRefused(
        f"Cell {ref} holds a value, below the {limits.rows:,} rows a file may have. If it is "
        "a stray cell, delete everything below your last row (in Excel, Ctrl+End goes to the "
        "last cell it keeps); otherwise split the file into several. Then upload again."
    )


def position(ref: str) -> tuple[int, int]:
    """(row, column) of a reference like ``B7``, both counted from 1."""
    found = _REF.fullmatch(ref)
    if found is None:
        raise FileRefused(CANT_READ)
    column = 0
    for letter in found[1].upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(found[2]), column


def column_name(number: int) -> str:
    """The letters of the ``number``-th column (1 is A, 30 is AD)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _whole(text: str) -> int:
    if not text.isdigit():
        raise FileRefused(CANT_READ)
    return int(text)
