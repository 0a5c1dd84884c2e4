"""The bulk-add Excel template: the exact columns, a frozen header, text-formatted
emails, and the seed's tips on an instructions sheet."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from domain.bulk.sheet import OPTIONAL, PROGRESS_COLUMNS, REQUIRED, TIPS

FILENAME = "roster-bulk-add-template.xlsx"
_WIDTHS = {
    "username": 22,
    "email": 34,
    "first name": 20,
    "last name": 20,
    "tags": 28,
    "course": 34,
    "progress": 12,
}
_EXAMPLE = {
    "username": "ada.lovelace",
    "email": "ada@example.org",
    "first name": "Ada",
    "last name": "Lovelace",
    "tags": "sales, emea",
    "course": "Python 101",
    "progress": "40",
}
_PROGRESS_TIPS = (
    "One row per person and course: the learner's email, the course's title as in "
    "`/group course list`, and the progress in percent, 0 to 100.",
    "100 marks the course completed; a lower number reopens it.",
    "Only members of the group who are enrolled in the course are changed.",
)


def _rules(columns: tuple[str, ...]) -> list[str]:
    if columns == PROGRESS_COLUMNS:
        return [f"Columns: {', '.join(columns)}.", *(f"• {tip}" for tip in _PROGRESS_TIPS)]
    return [
        f"Required columns: {', '.join(REQUIRED)}. Optional: {', '.join(OPTIONAL)}.",
        *(f"• {tip}" for tip in TIPS),
    ]


def build_template(columns: Sequence[str]) -> bytes:
    workbook = Workbook()
    users = workbook.active
    users.title = "Users"
    users.append(list(columns))
    for index, name in enumerate(columns, start=1):
        letter = get_column_letter(index)
        users.column_dimensions[letter].width = _WIDTHS[name]
        header = users.cell(row=1, column=index)
        header.font = Font(bold=True)
        header.fill = PatternFill("solid", fgColor="DDEBF7")
        if name == "email":
            users.column_dimensions[letter].number_format = "@"
    users.freeze_panes = "A2"
    tips = workbook.create_sheet("Instructions")
    tips.column_dimensions["A"].width = 100
    lines = [
        "How to fill in this template",
        "",
        *_rules(tuple(columns)),
        "",
        "Example row (type yours on the Users sheet, from row 2):",
        " | ".join(_EXAMPLE[c] for c in columns),
    ]
    for line in lines:
        tips.append([line])
    tips["A1"].font = Font(bold=True, size=14)
    for row in tips.iter_rows():
        row[0].alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
