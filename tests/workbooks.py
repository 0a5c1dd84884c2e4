"""Workbooks for the tests: small ones written by openpyxl, as a person's Excel
would save them, and hand-written sheet XML for what no tidy writer produces
(a stray far-away cell, cells without references, lying counts)."""

from __future__ import annotations

import io
import re
import zipfile

import xlsxwriter
from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


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


def cell(ref: str | None, text: str | None = None, *, formula: str | None = None) -> str:
    """One ``<c>``: an inline string, a formula, or (neither) formatting only.
    ``ref`` None leaves out ``r``, which OOXML allows: the cell follows the last."""
    where = f' r="{ref}"' if ref else ""
    if formula is not None:
        return f"<c{where}><f>{formula}</f></c>"
    if text is None:
        return f'<c{where} s="0"/>'
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int | None, *cells: str) -> str:
    """One ``<row>``; ``number`` None leaves out ``r``: the row after the last."""
    where = f' r="{number}"' if number else ""
    return f"<row{where}>{''.join(cells)}</row>"


def sheet(*rows: str, dimension: str = "A1") -> bytes:
    """A workbook whose "Users" sheet is exactly ``rows`` (see :func:`row`), with a
    ``<dimension>`` that claims ``dimension`` whatever the rows say."""
    xml = sheet_xml(*rows, dimension=dimension)
    return replaced(workbook(["username", "email"]), {SHEET: xml.encode()})


def sheet_xml(*rows: str, dimension: str = "A1") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
        f'<dimension ref="{dimension}"/><sheetData>{"".join(rows)}</sheetData></worksheet>'
    )


def header_and(*rows: str) -> bytes:
    """The two-column template's header, one good row, then ``rows``."""
    return sheet(
        row(1, cell("A1", "username"), cell("B1", "email")),
        row(2, cell("A2", "ada"), cell("B2", "ada@example.org")),
        *rows,
    )


def many_rows(count: int, *, formula_at_end: bool = False) -> bytes:
    """``count`` people written straight as sheet XML: far quicker to build than
    with a writer, and the same to a reader. With ``formula_at_end``, the last
    row's username is a formula, so the whole file is read with openpyxl."""
    parts = [row(1, cell("A1", "username"), cell("B1", "email"))]
    parts += [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>user{n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>user{n}@example.org</t></is></c></row>'
        for n in range(2, count + 2)
    ]
    if formula_at_end:
        last = count + 2
        parts.append(
            row(last, cell(f"A{last}", formula='CONCAT("a","b")'), cell(f"B{last}", "x@y.org"))
        )
    return sheet(*parts)


def claiming_shared_strings(count: int) -> bytes:
    """A good file (as xlsxwriter writes it, with a shared-strings table) whose
    table claims ``count`` strings: a reader that believes it reserves memory for
    them all."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    users = book.add_worksheet("Users")
    users.write_row(0, 0, ["username", "email"])
    users.write_row(1, 0, ["ada", "ada@example.org"])
    book.close()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    table = source.read("xl/sharedStrings.xml")
    table = re.sub(
        rb'count="\d+" uniqueCount="\d+"', b'count="%d" uniqueCount="%d"' % (count, count), table
    )
    return replaced(out.getvalue(), {"xl/sharedStrings.xml": table})


def replaced(data: bytes, members: dict[str, bytes]) -> bytes:
    """The workbook ``data`` with some of its zip members replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, members.get(name, source.read(name)))
    return out.getvalue()
