"""Reading an uploaded spreadsheet as the untrusted input it is.

Before parsing: the file type is sniffed from its bytes (a renamed CSV, a PDF,
a legacy .xls, an encrypted workbook, an OpenDocument file each get their own
message), and the zip's member count, sizes and compression ratio are checked.
Parsing uses python-calamine (a Rust reader with no DTD or entity support),
or, for a file with formulas, openpyxl in read-only mode through defusedxml;
neither trusts the sheet's declared dimensions, and the row and column caps
stop the reading. It runs in a worker process with a
memory limit and a deadline, so a hostile file is refused and nothing else in
Roster slows down.
"""

from __future__ import annotations

import asyncio
import io
import os
import pickle
import re
import resource
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

from domain.imports import (
    FileRefused,
    Formula,
    StagedRow,
    Tally,
    check_header,
    check_progress_rows,
    check_rows,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 300 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 500_000
MAX_COLUMNS = 30
PARSE_SECONDS = 120
PARSE_MEMORY = 1536 * 1024 * 1024
SPOOL_CHUNK = 2000

_CANT_READ = "The workbook can't be read; save it again as .xlsx."
_UNREADABLE = (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile, ParseError)
"""What broken or hostile XML raises (defusedxml's refusals are ValueErrors)."""
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS


def sniff(data: bytes) -> None:
    """Refuses what is not an .xlsx workbook, saying what to upload instead."""
    if not data.strip():
        raise FileRefused("The file is empty. Fill in the template from `/group template`.")
    if data.startswith(b"%PDF"):
        raise FileRefused(
            "This is a PDF. Upload the Excel template (.xlsx) filled in, from `/group template`."
        )
    if data.startswith(_OLE2):
        if _ENCRYPTED in data[:65536] or _ENCRYPTED in data:
            raise FileRefused(
                "The workbook is password-protected, so it can't be read. Remove the "
                "password (File > Info > Protect Workbook) and upload it again."
            )
        raise FileRefused(
            "This is an old-style Excel file (.xls). Open it in Excel, choose File > Save As > "
            "Excel Workbook (.xlsx), and upload that."
        )
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused(
            "This is not an Excel workbook (it looks like text or CSV). Open it in Excel, "
            "save it as Excel Workbook (.xlsx), or start from `/group template`."
        )


def check_zip(data: bytes) -> None:
    """Refuses zip bombs by the numbers the archive declares, before any parsing."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused("The file is damaged (not a complete .xlsx). Save it again.") from None
    members = archive.infolist()
    names = {m.filename for m in members}
    if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
        raise FileRefused(
            "This is an OpenDocument spreadsheet (.ods). Save it as Excel Workbook (.xlsx)."
        )
    if "xl/workbook.xml" not in names:
        raise FileRefused(
            "This zip is not an Excel workbook. Upload the template (.xlsx) filled in."
        )
    total = sum(m.file_size for m in members)
    too_big = [m for m in members if m.file_size > MAX_MEMBER_BYTES]
    bomb = [m for m in members if m.file_size > MAX_RATIO * max(m.compress_size, 1) > 1_000_000]
    if len(members) > MAX_MEMBERS or total > MAX_TOTAL_BYTES or too_big or bomb:
        raise FileRefused(
            "The workbook unpacks to far more than its size suggests, so Roster won't open "
            "it. Copy the rows into a fresh template and upload that."
        )


def read_and_check(
    data: bytes, out: BinaryIO, limits: Limits = Limits(), *, progress: bool = False
) -> Tally:
    """The whole check, run where it may use memory: sniff, zip, stream, validate.

    Every row goes to ``out`` as it is checked (see :func:`spooled`), so memory
    stays flat however long the file is; only the tally comes back. Files
    without formulas (nearly all) are read with python-calamine, about 30 times
    faster than openpyxl here; calamine only sees formulas' results, so a file
    with any formula is read with openpyxl, which can name each such cell.
    """
    sniff(data)
    check_zip(data)
    if _has_formulas(data):
        return _check_with_openpyxl(data, out, limits, progress)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name("Users" if "Users" in names else names[0])
        # calamine's rows start at the first used cell; put back what is above and
        # to the left, so row numbers and columns are the ones the person sees.
        top, left = sheet.start or (0, 0)
        raw = ([None] * left + row for row in sheet.iter_rows()) if left else sheet.iter_rows()
        return _check(_rows(iter(raw), limits, first=top + 1), out, progress)
    except (CalamineError, *_UNREADABLE):
        raise FileRefused(_CANT_READ) from None


def spooled(source: BinaryIO) -> Iterator[list[StagedRow]]:
    """The checked rows :func:`read_and_check` wrote, a chunk at a time."""
    while True:
        try:
            chunk = pickle.load(source)
        except EOFError:
            return
        yield [StagedRow(*fields) for fields in chunk]


def _check_with_openpyxl(data: bytes, out: BinaryIO, limits: Limits, progress: bool) -> Tally:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _UNREADABLE:
        raise FileRefused(_CANT_READ) from None
    try:
        sheet = workbook["Users"] if "Users" in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()
        raw = ([_openpyxl_value(c) for c in row] for row in sheet.iter_rows())
        return _check(_rows(raw, limits), out, progress)
    except _UNREADABLE:
        raise FileRefused(_CANT_READ) from None
    finally:
        workbook.close()


def _openpyxl_value(cell: object) -> object:
    """A cell's value, or its formula as a :class:`Formula` (calamine only sees results)."""
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", "") == "f":
        return Formula(value)
    return value


def _check(rows: Iterator[tuple[int, list[object]]], out: BinaryIO, progress: bool) -> Tally:
    header = next(rows, None)
    if header is None:
        raise FileRefused("The sheet is empty. Fill in the template from `/group template`.")
    number, cells = header
    tally = Tally(check_header(cells if number == 1 else [], progress=progress))
    checked = (
        check_progress_rows(rows, tally) if progress else check_rows(tally.columns, rows, tally)
    )
    chunk: list[tuple[object, ...]] = []
    for staged in checked:
        chunk.append(tuple(staged))
        if len(chunk) == SPOOL_CHUNK:
            pickle.dump(chunk, out, pickle.HIGHEST_PROTOCOL)
            chunk = []
    if chunk:
        pickle.dump(chunk, out, pickle.HIGHEST_PROTOCOL)
    return tally


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet holds a formula (an ``<f>`` element), read in chunks."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
            continue
        tail = b""
        with archive.open(name) as sheet:
            while chunk := sheet.read(1 << 20):
                if _FORMULA.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _rows(
    raw: Iterator[list[object]], limits: Limits, *, first: int = 1
) -> Iterator[tuple[int, list[object]]]:
    for number, row in enumerate(raw, start=first):
        if number > limits.rows + 1:
            raise FileRefused(
                f"The file has more than {limits.rows:,} rows. Split it into several files."
            )
        cells = row if type(row) is list else list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if len(cells) > limits.columns:
            raise FileRefused(
                f"Row {number} has cells beyond column {limits.columns}; the template has "
                "only a few columns. Delete the extra columns and upload again."
            )
        yield number, cells


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (PARSE_MEMORY, PARSE_MEMORY))


@dataclass(frozen=True)
class CheckedUpload:
    """A checked file: the tally now, the rows on demand (read from a spool file
    the worker wrote, deleted once read)."""

    tally: Tally
    path: str

    async def chunks(self) -> AsyncIterator[list[StagedRow]]:
        source = await asyncio.to_thread(open, self.path, "rb")
        try:
            rows = spooled(source)
            while (chunk := await asyncio.to_thread(next, rows, None)) is not None:
                yield chunk
        finally:
            source.close()
            self.discard()

    def discard(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)


def _check_into(data: bytes, path: str, progress: bool) -> Tally:
    with open(path, "wb") as out:
        return read_and_check(data, out, progress=progress)


class SpreadsheetChecker:
    """One worker process for parsing, with a memory cap; a deadline per file."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def check(self, data: bytes, *, progress: bool = False) -> CheckedUpload:
        if len(data) > MAX_BYTES:
            raise FileRefused.too_large(MAX_BYTES)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, initializer=_limit_memory)
        handle, path = tempfile.mkstemp(prefix="roster-check-", suffix=".spool")
        os.close(handle)
        try:
            tally = await self._read(self._pool, data, path, progress)
        except BaseException:
            os.unlink(path)
            raise
        return CheckedUpload(tally, path)

    async def _read(
        self, pool: ProcessPoolExecutor, data: bytes, path: str, progress: bool
    ) -> Tally:
        """The worker's check; a timeout or memory error restarts the pool."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(pool, _check_into, data, path, progress),
                PARSE_SECONDS,
            )
        except TimeoutError:
            self.close()
            raise FileRefused(
                "Reading the file took too long. Copy the rows into a fresh template and "
                "upload that."
            ) from None
        except MemoryError:
            self.close()
            raise FileRefused(
                "The file needs more memory than Roster allows. Split it into several files."
            ) from None

    def close(self, *, wait: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
