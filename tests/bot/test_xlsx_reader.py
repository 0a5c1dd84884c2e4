"""Hostile and mistaken uploads are refused with a message that says what to do."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from bot.xlsx_reader import Limits, SpreadsheetChecker, _limited, read_and_check, spooled
from bot.xlsx_template import build_template
from domain.bulk.sheet import FileRefused, StagedRow, Tally, TemplateMismatch
from tests.workbooks import claiming_shared_strings, many_rows, workbook


def check(data: bytes, limits: Limits | None = None) -> tuple[Tally, list[StagedRow]]:
    """The check as the worker runs it, with the spooled rows read back."""
    out = io.BytesIO()
    tally = read_and_check(data, out, limits or Limits())
    out.seek(0)
    return tally, [row for chunk in spooled(out) for row in chunk]


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"username,email\nada,ada@school.org\n", "it looks like text or CSV"),
        (b"%PDF-1.7 ...", "This is a PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old-style Excel file (.xls)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
            "password-protected",
        ),
        (zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), ".ods"),
        (zipped({"word/document.xml": b"<w/>"}), "not an Excel workbook"),
        (b"PK\x03\x04 truncated", "The file is damaged"),
        (
            zipped({"xl/workbook.xml": b"<a/>", "xl/bomb.xml": b"0" * 50_000_000}),
            "unpacks to far more",
        ),
    ],
    ids=["empty", "csv", "pdf", "xls", "encrypted", "ods", "docx", "damaged", "zip bomb"],
)
def test_what_is_not_a_workbook_is_refused_saying_what_to_upload(data: bytes, message: str) -> None:
    with pytest.raises(FileRefused) as caught:
        check(data)
    assert message in caught.value.problem


def test_the_template_itself_reads_as_an_empty_file_with_its_columns() -> None:
    tally, rows = check(build_template(("username", "email", "tags")))
    assert tally.columns == ("username", "email", "tags") and rows == []


def test_rows_formulas_and_numbers_come_through_as_typed() -> None:
    data = workbook(
        ["username", "email"],
        [12345, "ada@school.org"],
        ['=CONCAT("b","ob")', "bob@school.org"],
        [None, None],
    )
    tally, rows = check(data)
    assert [(r.username, r.email) for r in rows if not r.problem] == [("12345", "ada@school.org")]
    assert [(p.row, p.problem) for p in tally.first_problems] == [(3, "cell A3 holds a formula")]
    assert tally.blank_rows == 1


def test_a_renamed_column_is_named() -> None:
    with pytest.raises(TemplateMismatch, match="Column B should be `email`, not `e-mail`"):
        check(workbook(["username", "e-mail"]))


def test_row_and_column_caps_name_the_first_cell_beyond_them() -> None:
    many = workbook(["username", "email"], *([f"u{i}", f"u{i}@x.org"] for i in range(30)))
    with pytest.raises(FileRefused, match="Cell A22 holds a value, below the 20 rows"):
        check(many, Limits(rows=20))
    wide = workbook(["username", "email"], ["a", "a@x.org", *range(40)])
    with pytest.raises(FileRefused, match=r"Cell AE2 holds a value, far outside .* \(A to AD"):
        check(wide)


def test_the_caps_also_hold_while_streaming_behind_the_scan() -> None:
    """Should a reader ever place cells where the scan did not, streaming stops it."""
    rows = iter([["username", "email"], *([f"u{i}", f"u{i}@x.org"] for i in range(30))])
    with pytest.raises(FileRefused, match="more than 20 rows"):
        list(_limited(enumerate(rows, start=1), Limits(rows=20)))
    with pytest.raises(FileRefused, match="Row 1 has cells beyond column 30"):
        list(_limited(enumerate([list(range(40))], start=1), Limits()))


async def test_the_check_runs_in_a_worker_process_and_refuses_oversized_uploads() -> None:
    checker = SpreadsheetChecker()
    try:
        checked = await checker.check(workbook(["username", "email"], ["ada", "ada@x.org"]))
        rows = [row async for chunk in checked.chunks() for row in chunk]
        assert [r.email for r in rows] == ["ada@x.org"]
        assert not await asyncio.to_thread(os.path.exists, checked.path)
        with pytest.raises(FileRefused, match="larger than 20 MB"):
            await checker.check(b"PK\x03\x04" + b"0" * (21 * 1024 * 1024))
    finally:
        checker.close()


async def test_a_reader_that_dies_or_overruns_is_that_files_problem_only() -> None:
    checker = SpreadsheetChecker(seconds=1)
    good = workbook(["username", "email"], ["ada", "ada@x.org"])
    try:
        with pytest.raises(FileRefused, match="Roster's reader stopped on this file"):
            await checker.check(claiming_shared_strings(2_000_000_000))
        with pytest.raises(FileRefused, match="took longer than 1 second, so Roster stopped"):
            await checker.check(many_rows(100_000, formula_at_end=True))
        assert multiprocessing.active_children() == []
        checked = await checker.check(good)
        assert [r.email async for chunk in checked.chunks() for r in chunk] == ["ada@x.org"]
    finally:
        checker.close()


async def test_files_wait_their_turn_in_order_and_hear_how_many_are_ahead() -> None:
    checker = SpreadsheetChecker(at_once=1)
    told: dict[str, tuple[int, int]] = {}
    finished: list[str] = []

    async def one(name: str, rows: int) -> None:
        async def waiting(running: int, ahead: int) -> None:
            told[name] = (running, ahead)

        data = workbook(["username", "email"], *([f"u{i}", f"u{i}@x.org"] for i in range(rows)))
        checked = await checker.check(data, waiting=waiting)
        checked.discard()
        finished.append(name)

    try:
        await asyncio.gather(one("first", 3000), one("second", 1), one("third", 1))
    finally:
        checker.close()
    assert told == {"second": (1, 0), "third": (1, 1)}
    assert finished == ["first", "second", "third"]


async def test_a_file_that_stops_waiting_gives_up_its_place() -> None:
    checker = SpreadsheetChecker(at_once=1)
    try:
        first = asyncio.create_task(checker.check(many_rows(20_000)))
        await asyncio.sleep(0)
        second = asyncio.create_task(checker.check(workbook(["username", "email"])))
        await asyncio.sleep(0)
        second.cancel()
        third = await checker.check(workbook(["username", "email"], ["bo", "bo@x.org"]))
        third.discard()
        (await first).discard()
        assert second.cancelled()
    finally:
        checker.close()


def test_xml_entity_expansion_is_refused_not_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(workbook(["username", "email"])))
    members = {n: source.read(n) for n in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = laughs
    with pytest.raises(FileRefused, match="can't be read"):
        check(zipped(members))


def _xlsxwriter_file(*, with_formula: bool) -> bytes:
    """What Excel-like tools write: styles, a number typed as a username, a link,
    a formatted but empty row; optionally a formula."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Users")
    loud = book.add_format({"bold": True, "bg_color": "#FFFF00", "num_format": "@"})
    sheet.write_row(0, 0, ["username", "email", "first name"], loud)
    sheet.write_number(1, 0, 12345)
    sheet.write_string(1, 1, "\u00a0Ada@School.org ", loud)
    sheet.write_string(1, 2, "Ada")
    sheet.write_string(2, 0, "bob")
    sheet.write_url(2, 1, "mailto:bob@school.org", string="mailto:bob@school.org")
    sheet.write_blank(3, 0, None, loud)
    sheet.write_blank(3, 1, None, loud)
    sheet.write_row(4, 0, ["carol", "carol@school.org"])
    if with_formula:
        sheet.write_formula(5, 0, '=CONCAT("e","ve")', None, "eve")
        sheet.write_string(5, 1, "eve@school.org")
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("with_formula", [False, True], ids=["calamine", "openpyxl"])
def test_a_file_from_xlsxwriter_reads_as_typed(with_formula: bool) -> None:
    tally, rows = check(_xlsxwriter_file(with_formula=with_formula))
    ready = [(r.row, r.username, r.email, r.first_name) for r in rows if not r.problem]
    assert ready == [
        (2, "12345", "ada@school.org", "Ada"),
        (3, "bob", "bob@school.org", ""),
        (5, "carol", "carol@school.org", ""),
    ]
    assert tally.notes == ["row 3: the email was a link; read it as bob@school.org"]
    assert tally.blank_rows == 1
    expected = [(6, "cell A6 holds a formula")] if with_formula else []
    assert [(p.row, p.problem) for p in tally.first_problems] == expected


@pytest.mark.parametrize("with_formula", [False, True], ids=["calamine", "openpyxl"])
def test_both_readers_hand_the_checks_the_same_hidden_characters(with_formula: bool) -> None:
    """Excel stores a control character as ``_x0001_``; read as such it would pass
    as part of a name, so both readers must decode it and the row is refused."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Users")
    sheet.write_row(0, 0, ["username", "email"])
    sheet.write_row(1, 0, ["Ana\x01García", "ana@school.org"])
    sheet.write_row(2, 0, ["Ana García", "garcia@school.org"])
    if with_formula:
        sheet.write_formula(3, 0, '=CONCAT("e","ve")', None, "eve")
        sheet.write_string(3, 1, "eve@school.org")
    book.close()
    tally, rows = check(out.getvalue())
    assert [(r.row, r.username) for r in rows if not r.problem] == [(3, "Ana García")]
    problem = tally.first_problems[0]
    assert (problem.row, problem.column) == (2, "username")
    assert "U+0001" in problem.problem


def test_a_file_saved_by_libreoffice_reads_as_typed(tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        message = "LibreOffice (soffice) is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI installs it and must run this test.")
        pytest.skip(message)
    source = tmp_path / "people.csv"
    source.write_text('username,email,tags\n12345,Ada@School.org,"sales, emea"\n,,\n')
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    tally, rows = check((tmp_path / "people.xlsx").read_bytes())
    assert [(r.username, r.email, r.tags) for r in rows] == [
        ("12345", "ada@school.org", "sales, emea")
    ]
    assert tally.columns == ("username", "email", "tags") and not tally.first_problems


def test_a_sheet_that_starts_further_in_keeps_its_row_numbers_and_columns() -> None:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Users")
    sheet.write_row(0, 1, ["username", "email"])
    sheet.write_row(2, 1, ["ada", "ada@school.org"])
    book.close()
    with pytest.raises(TemplateMismatch, match="Column A should be `username` but is missing"):
        check(out.getvalue())

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Users")
    sheet.write_row(1, 0, ["username", "email"])
    book.close()
    with pytest.raises(TemplateMismatch, match="Row 1 is empty"):
        check(out.getvalue())


def test_rows_keep_the_numbers_the_person_sees() -> None:
    data = workbook(["username", "email"], [None, None], ["", "x@school.org"])
    tally, _ = check(data)
    assert [(p.row, p.column) for p in tally.first_problems] == [(3, "username")]
