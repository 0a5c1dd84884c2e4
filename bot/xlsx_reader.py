"""Reading an uploaded spreadsheet as the untrusted input it is.

Before parsing: the file type is sniffed from its bytes (a renamed CSV, a PDF,
a legacy .xls, an encrypted workbook, an OpenDocument file each get their own
message), and the zip's member count, sizes and compression ratio are checked.
Then the sheet's XML is scanned for how far its cells really reach (see
:mod:`bot.xlsx_extent`): a value far outside the template is refused by name
before a reader that would allocate the whole range sees it. Parsing uses
python-calamine (a Rust reader with no DTD or entity support), or, for a file
with formulas, openpyxl in read-only mode through defusedxml; neither trusts
the sheet's declared dimensions, and the row and column caps stop the
reading. Each file is checked in a process of its own (see
:mod:`bot.xlsx_worker`) with a memory limit and a deadline, so a hostile file
is refused, a reader it kills is that file's problem only, and nothing else in
Roster slows down.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import pickle
import re
import resource
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

from bot.xlsx_extent import CANT_READ, LIMITS, Limits, Sheet, measure
from bot.xlsx_stream import is_streamed, stream_rows
from bot.xlsx_worker import Died, Waiting, Workers
from domain.bulk.sheet import (
    FileRefused,
    Formula,
    StagedRow,
    Tally,
    TemplateMismatch,
    check_header,
    check_progress_rows,
    check_rows,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 300 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
PARSE_SECONDS = 120
PARSES_AT_ONCE = 2
PARSE_MEMORY = 1536 * 1024 * 1024
SPOOL_CHUNK = 2000

log = logging.getLogger("roster.bulk")
_CANT_READ = CANT_READ
_UNREADABLE = (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile, ParseError)
"""What broken or hostile XML raises (defusedxml's refusals are ValueErrors)."""
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


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
    data: bytes, out: BinaryIO, limits: Limits = LIMITS, *, progress: bool = False
) -> Tally:
    """The whole check, run where it may use memory: sniff, zip, extent, stream,
    validate.

    Every row goes to ``out`` as it is checked (see :func:`spooled`), so memory
    stays flat however long the file is; only the tally comes back. Files
    without formulas (nearly all) are read with python-calamine, about 30 times
    faster than openpyxl here; calamine only sees formulas' results, so a file
    with any formula is read with openpyxl, which can name each such cell.
    """
    sniff(data)
    check_zip(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    chosen = measure(archive, limits)
    if chosen.formulas:
        return _check_with_openpyxl(data, chosen, out, limits, progress)
    if is_streamed(archive, chosen):
        return _check(_limited(stream_rows(archive, chosen, limits), limits), out, progress)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_name(chosen.name)
        # calamine's rows start at the first used cell; put back what is above and
        # to the left, so row numbers and columns are the ones the person sees.
        top, left = sheet.start or (0, 0)
        raw = ([None] * left + row for row in sheet.iter_rows()) if left else sheet.iter_rows()
        return _check(_limited(enumerate(raw, start=top + 1), limits), out, progress)
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


def _check_with_openpyxl(
    data: bytes, chosen: Sheet, out: BinaryIO, limits: Limits, progress: bool
) -> Tally:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _UNREADABLE:
        raise FileRefused(_CANT_READ) from None
    try:
        sheet = workbook[chosen.name]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_row=chosen.last_row)
        raw = ([_openpyxl_value(c) for c in row] for row in rows)
        return _check(_limited(enumerate(raw, start=1), limits), out, progress)
    except _UNREADABLE:
        raise FileRefused(_CANT_READ) from None
    finally:
        workbook.close()


def _openpyxl_value(cell: object) -> object:
    """A cell's value, or its formula as a :class:`Formula` (calamine only sees results).

    Text comes back as Excel means it: OOXML writes characters XML can't hold as
    ``_xHHHH_``, which calamine decodes and openpyxl's reader does not, so both
    readers hand the same text to the same checks.
    """
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", "") == "f":
        return Formula(value)
    if type(value) is str and "_x" in value:
        return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
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


def _limited(
    raw: Iterator[tuple[int, Sequence[object]]], limits: Limits
) -> Iterator[tuple[int, list[object]]]:
    """Numbered rows, trailing empty cells dropped, refused past the row or column caps."""
    for number, row in raw:
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


READER_STOPPED = (
    "Roster's reader stopped on this file: it needed more memory than Roster gives one "
    "file, or it broke the reader. Nothing was added. Copy the rows into a fresh template "
    "(`/group template`) and upload that."
)
NEEDS_MEMORY = "The file needs more memory than Roster allows. Split it into several files."


def _work(data: bytes, spool: str, result: str, progress: bool, memory: int) -> None:
    """The check in its own process, under a memory cap: the rows go to ``spool``,
    and the tally, or the refusal, to ``result``."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    outcome: tuple[str, object]
    try:
        with open(spool, "wb") as out:
            outcome = ("tally", read_and_check(data, out, progress=progress))
    except (FileRefused, TemplateMismatch) as refused:
        outcome = ("refused", refused)
    except MemoryError:
        outcome = ("refused", FileRefused(NEEDS_MEMORY))
    with open(result, "wb") as answer:
        pickle.dump(outcome, answer, pickle.HIGHEST_PROTOCOL)


class SpreadsheetChecker:
    """Checks each upload in a process of its own with a memory cap, ``at_once``
    at a time, each for at most ``seconds`` from when its reading starts."""

    def __init__(
        self,
        *,
        at_once: int = PARSES_AT_ONCE,
        seconds: float = PARSE_SECONDS,
        memory: int = PARSE_MEMORY,
    ) -> None:
        self._workers = Workers(at_once, seconds)
        self._memory = memory

    async def check(
        self, data: bytes, *, progress: bool = False, waiting: Waiting | None = None
    ) -> CheckedUpload:
        """``waiting`` hears, if the file has to wait for a place, how many files
        are ahead of it."""
        if len(data) > MAX_BYTES:
            raise FileRefused.too_large(MAX_BYTES)
        handle, path = tempfile.mkstemp(prefix="roster-check-", suffix=".spool")
        os.close(handle)
        result = f"{path}.result"
        try:
            tally = await self._read(data, path, result, progress, waiting)
        except BaseException:
            os.unlink(path)
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(result)
        return CheckedUpload(tally, path)

    async def _read(
        self, data: bytes, path: str, result: str, progress: bool, waiting: Waiting | None
    ) -> Tally:
        """The worker's answer; its death or its deadline is this file's refusal."""
        args = (data, path, result, progress, self._memory)
        try:
            await self._workers.run(_work, *args, waiting=waiting)
            kind, value = pickle.loads(await asyncio.to_thread(Path(result).read_bytes))
        except TimeoutError:
            raise FileRefused(
                f"Reading it took longer than {_duration(self._workers.seconds)}, so Roster "
                "stopped. Copy the rows into a fresh template and upload that, or split the "
                "file into several."
            ) from None
        except (Died, FileNotFoundError) as died:
            log.warning("the reader of an upload stopped: %s", died)
            raise FileRefused(READER_STOPPED) from None
        if kind == "refused":
            raise value
        tally: Tally = value
        return tally

    def close(self) -> None:
        """Stops any reading still running (at shutdown)."""
        self._workers.stop()


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return "1 second" if seconds == 1 else f"{seconds:g} seconds"
