"""Checking bulk-add files: rows per second, the worker's peak memory, and the
event loop's worst stall while a file is checked (it should stay tiny: the
parsing runs in a worker process).

    .venv/bin/python benchmarks/import_check.py [--sizes 10000 100000 500000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import time

from openpyxl import Workbook

from bot.xlsx_reader import SpreadsheetChecker


def build(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(["username", "email", "first name", "last name", "tags"])
    for n in range(rows):
        sheet.append([f"user{n}", f"user{n}@bench.school", "Ada", "Lovelace", "sales, emea"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def stall_meter(stop: asyncio.Event) -> float:
    """The longest the loop was late to wake a 10 ms sleeper."""
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        worst = max(worst, time.perf_counter() - started - 0.01)
    return worst


async def measure(rows: int) -> None:
    data = build(rows)
    checker = SpreadsheetChecker()
    stop = asyncio.Event()
    meter = asyncio.create_task(stall_meter(stop))
    started = time.perf_counter()
    checked = await checker.check(data)
    took = time.perf_counter() - started
    stop.set()
    stall = await meter
    checker.close(wait=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert len(checked.people) == rows, (len(checked.people), checked.problems[:3])
    print(
        f"{rows:>7,} rows ({len(data) / 1e6:.1f} MB): read and checked in {took:.2f} s = "
        f"{rows / took:,.0f} rows/s; largest worker's peak memory so far {peak:.0f} MB; "
        f"worst event-loop stall {stall * 1000:.1f} ms"
    )


async def main(sizes: list[int]) -> None:
    for rows in sizes:
        await measure(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    asyncio.run(main(parser.parse_args().sizes))
