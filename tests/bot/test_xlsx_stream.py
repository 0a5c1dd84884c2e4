"""A large sheet is streamed instead of read whole; the person can't tell which.

Each file goes through the whole check twice, once with python-calamine and once
with the streaming reader (its threshold lowered to nothing), and the tally, the
rows and any refusal must be the same.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
import xlsxwriter
from openpyxl import Workbook
from xlsxwriter.worksheet import Worksheet

from bot import xlsx_stream
from bot.xlsx_reader import read_and_check, spooled
from domain.bulk.sheet import FileRefused, TemplateMismatch
from tests.workbooks import (
    cell,
    claiming_shared_strings,
    header_and,
    many_rows,
    replaced,
    row,
    workbook,
)

Outcome = tuple[str, object]


def outcome(data: bytes) -> Outcome:
    out = io.BytesIO()
    try:
        tally = read_and_check(data, out)
    except (FileRefused, TemplateMismatch) as refused:
        return type(refused).__name__, str(refused)
    out.seek(0)
    return vars(tally).__repr__(), [r for chunk in spooled(out) for r in chunk]


def both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Outcome, Outcome]:
    whole = outcome(data)
    monkeypatch.setattr(xlsx_stream, "STREAM_ABOVE", -1)
    streamed = outcome(data)
    return whole, streamed


def _xlsxwriter(write: Callable[[xlsxwriter.Workbook, Worksheet], object]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    write(book, book.add_worksheet("Users"))
    book.close()
    return out.getvalue()


def _typed(book: xlsxwriter.Workbook, sheet: Worksheet) -> None:
    """Shared strings, a link, numbers, formats, blank formatted rows, a gap."""
    loud = book.add_format({"bold": True, "num_format": "@"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["username", "email", "first name", "last name", "tags"], loud)
    sheet.write_number(1, 0, 12345)
    sheet.write_string(1, 1, "\u00a0Ada@School.org ", loud)
    sheet.write_string(1, 2, "Ana\x01García")
    sheet.write_string(2, 0, "bob")
    sheet.write_url(2, 1, "mailto:bob@school.org", string="mailto:bob@school.org")
    sheet.write_datetime(2, 2, datetime(2024, 1, 2), day)
    sheet.write_boolean(2, 3, True)
    sheet.write_blank(3, 0, None, loud)
    sheet.write_row(6, 0, ["carol", "carol@school.org", 4.5, "x", "sales, emea"])
    sheet.write_rich_string(7, 0, "da", loud, "ve")
    sheet.write_string(7, 1, "dave@school.org")


def _openpyxl_kinds() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Users"
    sheet.append(["username", "email", "first name", "last name", "tags"])
    sheet.append(["ada", "ada@school.org", date(2024, 1, 2), datetime(2024, 1, 2, 10, 30), 7])
    sheet.append(["bob", "bob@school.org", time(10, 30), timedelta(hours=26), "#N/A"])
    sheet.append(["x_x0041_y", "cy@school.org", True, 0.1, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _phonetic() -> bytes:
    """A shared string with a phonetic run (Japanese Excel), which is not the text."""
    data = _xlsxwriter(lambda book, sheet: sheet.write_row(0, 0, ["username", "email"]))
    source = zipfile.ZipFile(io.BytesIO(data))
    strings = source.read("xl/sharedStrings.xml").replace(
        b"<si><t>username</t></si>",
        '<si><r><t>user</t></r><r><t>name</t></r><rPh sb="0" eb="1"><t>ユ</t></rPh></si>'.encode(),
    )
    return replaced(data, {"xl/sharedStrings.xml": strings})


FILES = {
    "typed by xlsxwriter": lambda: _xlsxwriter(_typed),
    "every kind of value": _openpyxl_kinds,
    "phonetic runs": _phonetic,
    "starts further in": lambda: _xlsxwriter(
        lambda book, sheet: (
            sheet.write_row(2, 1, ["username", "email"]),
            sheet.write_row(4, 1, ["ada", "ada@school.org"]),
        )
    ),
    "header on row 2": lambda: _xlsxwriter(
        lambda book, sheet: sheet.write_row(1, 0, ["username", "email"])
    ),
    "blank and duplicate rows": lambda: workbook(
        ["username", "email"], [None, None], ["", "x@school.org"], ["a", "x@school.org"]
    ),
    "cells without references": lambda: header_and(
        row(None, cell(None, "bob"), cell(None, "bob@school.org")),
        row(5, cell("B5", "carol@school.org"), cell("A5", "carol")),
    ),
    "lying shared-string counts": lambda: claiming_shared_strings(10**9),
    "many rows": lambda: many_rows(3000),
    "a renamed column": lambda: workbook(["username", "mail"], ["ada", "ada@school.org"]),
    "an empty sheet": lambda: workbook(),
    "a string index out of range": lambda: replaced(
        workbook(["username", "email"]),
        {
            "xl/worksheets/sheet1.xml": (
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData>'
                b"</worksheet>"
            )
        },
    ),
}


@pytest.mark.parametrize("name", list(FILES))
def test_a_streamed_sheet_gives_the_same_rows_and_messages(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, streamed = both_ways(FILES[name](), monkeypatch)
    assert streamed == whole


def test_what_the_comparison_sees_is_what_a_person_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is only worth something if the rows are right."""
    _, (_, rows) = both_ways(_xlsxwriter(_typed), monkeypatch)
    assert isinstance(rows, list)
    assert [(r.row, r.username, r.email, r.first_name) for r in rows if not r.problem] == [
        (3, "bob", "bob@school.org", "2024-01-02"),
        (7, "carol", "carol@school.org", "4.5"),
        (8, "dave", "dave@school.org", ""),
    ]


def test_a_dtd_in_a_streamed_sheet_is_refused_not_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = replaced(workbook(["username", "email"]), {"xl/worksheets/sheet1.xml": laughs})
    monkeypatch.setattr(xlsx_stream, "STREAM_ABOVE", -1)
    assert outcome(data) == ("FileRefused", "The workbook can't be read; save it again as .xlsx.")
