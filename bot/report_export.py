"""*Export user analytics*: the rows behind a report as XLSX and CSV files.

Both files are written a page at a time into a temporary folder, in a worker
thread, and handed to Slack from disk: 100,000 rows never sit in memory at
once. Nothing a person typed can run when the file is opened: in the
workbook every text is a text cell (see :func:`bot.xlsx_export.text_cell`);
in the CSV a text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
return or NUL gets a leading ``'``, as OWASP's CSV injection advice says,
while numbers stay numbers. The CSV starts with a byte order mark, so Excel
reads it as UTF-8 and names in any script come out right.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.xlsx_export import text_cell, wall_clock
from domain.reports import GroupReport, LearnerRow


def columns(zone: str) -> tuple[str, ...]:
    """The header row; the dates are the school's wall-clock times, in ``zone``."""
    moments = ("enrolled", "completed", "last sign-in", "last activity")
    return (
        "email",
        "username",
        "course",
        "progress %",
        *(f"{m} ({zone})" for m in moments),
        "needs attention",
    )


_RISKY = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_safe(text: str) -> str:
    """A typed text that a spreadsheet program shows rather than evaluates."""
    return f"'{text}" if text.startswith(_RISKY) else text


def _values(row: LearnerRow, report: GroupReport, zone: str) -> tuple[list[str], list[Any]]:
    """(what a person typed, the rest): the first are made safe, the rest are Roster's."""
    concern = row.concern(report.idle_since)
    typed = [row.email, row.username, row.course]
    moments = (row.enrolled_at, row.completed_at, row.last_sign_in, row.last_activity)
    ours = [
        row.progress,
        *(wall_clock(m, zone) for m in moments),
        concern.value if concern else "",
    ]
    return typed, ours


@dataclass(frozen=True)
class ExportFiles:
    xlsx: Path
    csv: Path
    rows: int


class _Writers:
    """The two files, open while pages are appended (in a worker thread)."""

    def __init__(self, folder: Path, stem: str, zone: str) -> None:
        self.zone = zone
        self.xlsx = folder / f"{stem}.xlsx"
        self.csv = folder / f"{stem}.csv"
        self.workbook = Workbook(write_only=True)
        self.sheet: WriteOnlyWorksheet = self.workbook.create_sheet("Learners")
        self.sheet.append(list(columns(zone)))
        self.text: IO[str] = self.csv.open("w", encoding="utf-8-sig", newline="")
        self.table = csv.writer(self.text)
        self.table.writerow(columns(zone))

    def append(self, page: list[LearnerRow], report: GroupReport) -> None:
        for row in page:
            typed, ours = _values(row, report, self.zone)
            self.sheet.append([*(text_cell(self.sheet, t) for t in typed), *ours])
            shown = [
                "" if v is None else v.isoformat(" ") if isinstance(v, datetime) else v
                for v in ours
            ]
            self.table.writerow([*(csv_safe(t) for t in typed), *shown])

    def close(self) -> None:
        self.text.close()
        self.workbook.save(self.xlsx)


async def write_exports(
    pages: AsyncIterator[list[LearnerRow]],
    report: GroupReport,
    folder: Path,
    stem: str,
    *,
    zone: str,
) -> ExportFiles:
    """Writes ``stem.xlsx`` and ``stem.csv`` in ``folder`` from the pages, their dates
    on the clock of ``zone`` (the school's)."""
    writers = await asyncio.to_thread(_Writers, folder, stem, zone)
    rows = 0
    try:
        async for page in pages:
            await asyncio.to_thread(writers.append, page, report)
            rows += len(page)
    finally:
        await asyncio.to_thread(writers.close)
    return ExportFiles(writers.xlsx, writers.csv, rows)
