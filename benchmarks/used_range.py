"""What finding a sheet's used range first costs, next to reading the sheet.

For each size it builds a file of new people (as bulk_import.py does) and
prints, each the best of three runs in this process:

- the scan nearly every file gets: the quick pass over the sheet's bytes;
- the scan a file gets when the quick pass can't settle it: here the same
  file with Excel's formatted "last cell" at XFD1048576 added, which the
  quick pass sees and the full parse (expat) shows to hold no value;
- python-calamine reading the sheet, and the whole check (scan, read and
  validation, as the worker runs it), for scale.

    .venv/bin/python -m benchmarks.used_range [--sizes 100000 500000]
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from collections.abc import Callable

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bot.xlsx_extent import LIMITS, measure
from bot.xlsx_reader import read_and_check

SHEET = "xl/worksheets/sheet1.xml"
LAST_CELL = b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'


def build(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(["username", "email", "first name", "last name", "tags"])
    for n in range(rows):
        sheet.append([f"user{n}", f"user{n}@bench.school", "Ada", "Lovelace", "sales, emea"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_formatted_last_cell(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name)
            if name == SHEET:
                content = content.replace(b"</sheetData>", LAST_CELL)
            archive.writestr(name, content)
    return out.getvalue()


def best(run: Callable[[], object], times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return min(seconds)


def scan(data: bytes) -> float:
    return best(lambda: measure(zipfile.ZipFile(io.BytesIO(data)), LIMITS))


def calamine(data: bytes) -> float:
    def read() -> None:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Users")
        for _ in sheet.iter_rows():
            pass

    return best(read)


def main(sizes: list[int]) -> None:
    for rows in sizes:
        data = build(rows)
        styled = with_formatted_last_cell(data)
        xml_mb = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size / 1e6
        quick, full = scan(data), scan(styled)
        read = calamine(data)
        whole = best(lambda: read_and_check(data, io.BytesIO()), times=1)  # noqa: B023
        print(
            f"{rows:>7,} rows ({len(data) / 1e6:.1f} MB file, {xml_mb:.0f} MB of sheet XML)\n"
            f"   used-range scan: quick pass {quick:.2f} s "
            f"({quick / read:.0%} of calamine's read, {quick / whole:.0%} of the whole check); "
            f"with a formatted last cell, quick pass + full parse {full:.2f} s\n"
            f"   calamine read {read:.2f} s · whole check (scan + read + validate) {whole:.2f} s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000])
    main(parser.parse_args().sizes)
