"""Small workbooks written by openpyxl, as a person's Excel would save them."""

from __future__ import annotations

import io

from openpyxl import Workbook


def workbook(*rows: list[object]) -> bytes:
    """A "Users" sheet holding ``rows``, the first being the header."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Users"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
