"""The rows that need fixing, as uploaded, with an "error" column, ready to re-upload."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook

from bot.xlsx_export import text_cell
from domain.imports import ERROR_COLUMN, CheckedFile

FILENAME = "rows-to-fix.xlsx"


def build_error_file(checked: CheckedFile) -> bytes:
    """Same columns as the template (so the fixed file can go straight back), then
    "error"; every value is a text cell, so a formula someone typed never runs."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for problem in checked.problems:
        reasons[problem.row].append(f"{problem.column}: {problem.problem}; {problem.fix}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append([*checked.columns, ERROR_COLUMN])
    for row, values in sorted(checked.rejected.items()):
        error = f"row {row}: " + " | ".join(reasons[row])
        sheet.append([text_cell(sheet, v) for v in (*values, error)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
