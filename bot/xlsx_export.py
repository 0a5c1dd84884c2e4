"""Writing user data into workbooks without letting any of it run as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.entities import User


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A cell stored as text, whatever it starts with.

    openpyxl would store ``=SUM(...)`` (or ``=HYPERLINK(...)``) typed by a user as
    a formula that runs when the file is opened; a text cell shows it as typed.
    """
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def people_workbook(rows: Iterable[tuple[str, User]]) -> bytes:
    """People with what happens to each (a rule's preview), every value a text cell."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("People")
    sheet.append(["change", "email", "username", "status"])
    for change, user in rows:
        sheet.append(
            [text_cell(sheet, v) for v in (change, user.email, user.username, user.status)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
