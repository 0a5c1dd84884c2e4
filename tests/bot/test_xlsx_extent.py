"""The used range is read from the sheet's XML before a reader allocates it:
a value far away is refused by name, formatting alone is not, and cells are
placed as OOXML says however the XML is written."""

from __future__ import annotations

import io

import pytest

from bot.xlsx_extent import LIMITS, column_name, position
from bot.xlsx_reader import Limits, read_and_check, spooled
from domain.bulk.sheet import FileRefused, StagedRow, Tally
from tests.workbooks import SHEET, cell, header_and, replaced, row, sheet, sheet_xml, workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def check(data: bytes, limits: Limits = LIMITS) -> tuple[Tally, list[StagedRow]]:
    out = io.BytesIO()
    tally = read_and_check(data, out, limits)
    out.seek(0)
    return tally, [r for chunk in spooled(out) for r in chunk]


def refusal(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(FileRefused) as caught:
        check(data, limits)
    return caught.value.problem


def prefixed(*rows: str) -> bytes:
    """A sheet whose elements all carry a namespace prefix, which readers accept."""
    body = "".join(rows).replace("<row", "<x:row").replace("</row", "</x:row")
    for tag in ("c", "is", "t", "f", "v"):
        body = body.replace(f"<{tag}", f"<x:{tag}").replace(f"</{tag}>", f"</x:{tag}>")
    xml = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    return replaced(workbook(["username", "email"]), {SHEET: xml.encode()})


HEAD = row(1, cell("A1", "username"), cell("B1", "email"))
ADA = row(2, cell("A2", "ada"), cell("B2", "ada@example.org"))


@pytest.mark.parametrize(
    ("data", "cell_named"),
    [
        (header_and(row(1048576, cell("XFD1048576", "x"))), "XFD1048576"),
        (header_and(row(7, cell("AE7", "x"))), "AE7"),
        (header_and(row(7, cell("AE7", formula="1+1"))), "AE7"),
        (header_and(row(3, *[cell(None, "x")] * 31)), "AE3"),
        (header_and(row(None, cell(None, "a"), cell("ZZ3", "x"))), "ZZ3"),
        (header_and(row(5, cell("AC5"), cell(None), cell(None, "x"))), "AE5"),
        (prefixed(HEAD, ADA, row(9, cell("BA9", "x"))), "BA9"),
        (
            header_and(row(4, '<c s="0" r="XFD4" t="inlineStr"><is><t>x</t></is></c>')),
            "XFD4",
        ),
        (header_and(row(4, "<c r='XFD4' t='inlineStr'><is><t>x</t></is></c>")), "XFD4"),
        (header_and(row(4, '<c  r="XFD4"><v>1</v></c>')), "XFD4"),
    ],
    ids=[
        "last cell",
        "one past AD",
        "a formula",
        "cells without r",
        "a row without r",
        "after a reference",
        "prefixed elements",
        "r not first",
        "single quotes",
        "two spaces",
    ],
)
def test_a_value_beyond_the_columns_is_refused_naming_its_cell(
    data: bytes, cell_named: str
) -> None:
    assert refusal(data).startswith(
        f"Cell {cell_named} holds a value, far outside the template's columns (A to AD at most)."
    )


@pytest.mark.parametrize(
    "data",
    [
        header_and(row(600_000, cell("A600000", "x"))),
        header_and(row(600_000, cell(None, "x"))),
        prefixed(HEAD, ADA, row(600_000, cell("A600000", "x"))),
        header_and(row(2, cell("A600000", "x"))),
    ],
    ids=["plain", "without r", "prefixed", "row says otherwise"],
)
def test_a_value_below_the_rows_is_refused_naming_its_cell(data: bytes) -> None:
    assert refusal(data).startswith(
        "Cell A600000 holds a value, below the 500,000 rows a file may have."
    )


def test_a_sheet_in_utf_16_is_parsed_not_pattern_matched() -> None:
    xml = sheet_xml(HEAD, ADA, row(3, cell("AE3", "x"))).replace("UTF-8", "UTF-16")
    data = replaced(workbook(["a"]), {SHEET: xml.encode("utf-16")})
    assert refusal(data).startswith("Cell AE3 holds a value, far outside")


def test_the_limits_count_the_header_row() -> None:
    rows = [row(n, cell(f"A{n}", f"u{n}"), cell(f"B{n}", f"u{n}@x.org")) for n in range(2, 23)]
    assert check(sheet(HEAD, *rows), Limits(rows=21))[0].ready_rows == 21
    assert "Cell A22 holds a value, below the 20 rows" in refusal(
        sheet(HEAD, *rows), Limits(rows=20)
    )


@pytest.mark.parametrize(
    "data",
    [
        header_and(row(1048576, cell("XFD1048576"))),
        header_and(row(1048576, cell(None), cell("XFD1048576"))),
        header_and(row(3, cell("C3"), cell("AE3")), '<row r="900000" s="0" customFormat="1"/>'),
        prefixed(HEAD, ADA, row(1048576, cell("XFD1048576"))),
        sheet(HEAD, ADA, dimension="A1:XFD1048576"),
    ],
    ids=["styled last cell", "styled, no r", "styled row", "prefixed", "lying dimension"],
)
def test_formatting_alone_and_a_lying_dimension_are_not_values(data: bytes) -> None:
    tally, rows = check(data)
    assert [(r.row, r.email) for r in rows] == [(2, "ada@example.org")]
    assert tally.blank_rows == 0


def test_with_formulas_a_far_formatted_row_adds_no_blank_rows() -> None:
    data = header_and(row(3, cell("A3", formula="1+1")), row(900_000, cell("A900000")))
    tally, rows = check(data)
    assert [p.problem for p in tally.first_problems] == ["cell A3 holds a formula"]
    assert tally.blank_rows == 0 and len(rows) == 2


def test_cells_without_references_land_where_excel_puts_them() -> None:
    data = sheet(
        row(None, cell(None, "username"), cell(None, "email")),
        row(None, cell(None, "ada"), cell(None, "ada@example.org")),
        row(5, cell("B5", "bob@example.org"), cell(None, "extra")),
    )
    tally, rows = check(data)
    assert [(r.row, r.username, r.email) for r in rows if not r.problem] == [
        (2, "ada", "ada@example.org")
    ]
    assert [(p.row, p.column) for p in tally.first_problems] == [(5, "username")]


@pytest.mark.parametrize("shift", range(1, 20))
def test_a_far_cell_is_found_wherever_a_chunk_of_the_xml_ends(shift: int) -> None:
    """The quick pass reads the sheet a megabyte at a time; a reference cut in two
    by a chunk's end is still read whole."""

    def xml(padding: int) -> str:
        return sheet_xml(HEAD, row(2, cell("A2", "p" * padding)), row(3, cell("XFD3", "x")))

    at = xml(0).index('<c r="XFD3"')
    data = xml((1 << 20) - shift - at)
    assert data.index('<c r="XFD3"') == (1 << 20) - shift
    assert refusal(replaced(workbook(["a"]), {SHEET: data.encode()})).startswith(
        "Cell XFD3 holds a value"
    )


@pytest.mark.parametrize(
    "rows",
    [
        ('<row r="1"><c r="1A"><v>1</v></c></row>',),
        ('<row r="x1"><c><v>1</v></c></row>',),
        ('<!DOCTYPE x [<!ENTITY e "e">]><row r="1"><c><v>1</v></c></row>',),
    ],
    ids=["bad reference", "bad row number", "a DTD"],
)
def test_what_cannot_be_placed_cannot_be_read(rows: tuple[str, ...]) -> None:
    assert refusal(sheet(*rows)) == "The workbook can't be read; save it again as .xlsx."


def test_references_and_column_names_round_trip() -> None:
    assert [column_name(n) for n in (1, 26, 27, 30, 702, 703, 16384)] == [
        "A",
        "Z",
        "AA",
        "AD",
        "ZZ",
        "AAA",
        "XFD",
    ]
    assert position("XFD1048576") == (1048576, 16384)
    assert position("ad7") == (7, 30)
