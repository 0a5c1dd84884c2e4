"""Writing user data into workbooks without letting any of it run as a formula."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.entities import User

ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""What XML 1.0 can't hold: C0 controls but tab and line breaks (openpyxl refuses them
with IllegalCharacterError), U+FFFE, U+FFFF and lone surrogates (which make a file
Excel won't open)."""
REPLACEMENT = "\ufffd"


def writable(value: str) -> str:
    """The value with each character a workbook can't hold shown as U+FFFD (“�”).

    A stored value may hold one (a control character pasted into a spreadsheet
    arrives from the reader as such). One visible mark per character keeps the
    rest of the value as typed and shows where the bad character was, in every
    spreadsheet program; an escape such as ``_x0001_`` or ``\\x01`` would read as
    text someone typed, and Excel even turns ``_x0001_`` back into the invisible
    character.
    """
    return ILLEGAL.sub(REPLACEMENT, value)


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A cell stored as text, whatever it starts with or holds.

    openpyxl would store ``=SUM(...)`` (or ``=HYPERLINK(...)``) typed by a user as
    a formula that runs when the file is opened; a text cell shows it as typed.
    """
    cell = WriteOnlyCell(sheet, value=writable(value))
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
