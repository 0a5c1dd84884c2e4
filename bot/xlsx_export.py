"""Writing user data into workbooks without letting any of it run as a formula."""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A cell stored as text, whatever it starts with.

    openpyxl would store ``=SUM(...)`` (or ``=HYPERLINK(...)``) typed by a user as
    a formula that runs when the file is opened; a text cell shows it as typed.
    """
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
