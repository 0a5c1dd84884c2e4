from __future__ import annotations

from datetime import datetime

import pytest

from domain.bulk.sheet import (
    Formula,
    Tally,
    TemplateMismatch,
    check_header,
    check_rows,
    template_columns,
)


def cells(*values: object) -> list[object]:
    return list(values)


def test_the_template_has_the_required_columns_then_the_chosen_ones_in_order() -> None:
    assert template_columns(["tags", "first name"]) == ("username", "email", "first name", "tags")
    assert template_columns([]) == ("username", "email")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["user name", "email"], "Column A should be `username`, not `user name`"),
        (["username"], "Column B should be `email` but is missing"),
        (["email", "username"], "Column A should be `username`, not `email`"),
        (["username", "email", "phone"], "Column C has `phone`; the template has no such column"),
        (["username", "email", "tags", "first name"], "out of order or repeated"),
        ([], "Row 1 is empty"),
    ],
)
def test_a_changed_header_is_named_with_what_it_should_be(header: list[str], message: str) -> None:
    with pytest.raises(TemplateMismatch) as caught:
        check_header(cells(*header))
    assert message in caught.value.problem


def test_header_case_spaces_and_trailing_empty_cells_do_not_matter() -> None:
    assert check_header(cells(" Username ", "EMAIL\u00a0", "Tags", None, "")) == (
        "username",
        "email",
        "tags",
    )


def test_rows_are_checked_each_and_every_problem_names_row_column_and_fix() -> None:
    columns = ("username", "email", "tags")
    rows = [
        (2, cells("ada", " Ada@School.org\u00a0", "sales, emea")),
        (3, cells(12345.0, "mailto:bob@school.org", None)),
        (4, cells(None, None, None)),
        (5, cells("", "carol@school.org")),
        (6, cells("dup", "ADA@school.org")),
        (7, cells("eve", "eve@school")),
        (8, [Formula("=A1"), "frank@school.org"]),
        (9, cells("gina", datetime(2026, 1, 2))),
    ]
    tally = Tally(columns)
    staged = list(check_rows(columns, rows, tally))
    ready = [(r.row, r.username, r.email, r.tags) for r in staged if not r.problem]
    assert ready == [
        (2, "ada", "ada@school.org", "sales, emea"),
        (3, "12345", "bob@school.org", ""),
    ]
    assert tally.notes == ["row 3: the email was a link; read it as bob@school.org"]
    assert (tally.ready_rows, tally.rejected, tally.blank_rows) == (2, 5, 1)
    found = [(p.row, p.column, p.problem) for p in tally.first_problems]
    assert found == [
        (5, "username", "is empty"),
        (6, "email", "ada@school.org is also on row 2"),
        (7, "email", "`eve@school` is not an email address"),
        (8, "username", "cell A8 holds a formula"),
        (9, "email", "`2026-01-02` is not an email address"),
    ]
    assert all(p.fix for p in tally.first_problems)
    rejected = {r.row: (r.username, r.email, r.problem) for r in staged if r.problem}
    assert rejected[6] == (
        "dup",
        "ADA@school.org",
        "email: ada@school.org is also on row 2; keep one of the two rows",
    )
    assert rejected[8][:2] == ("=A1", "frank@school.org")


PERSIAN = "\u0645\u0631\u06cc\u0645\u200c\u0632\u0627\u062f\u0647"
"""Maryam-zadeh in Persian: its zero-width non-joiner is part of the name."""


def test_names_with_spaces_accents_and_any_script_are_usernames() -> None:
    columns = ("username", "email", "first name", "last name", "tags")
    rows = [
        (2, cells("  Ana   García ", "ana@school.org", "Ana", "García")),
        (3, cells("Fatima Smith-Jones", "fatima@school.org")),
        (4, cells("Seán O'Brien", "sean@school.org")),
        (5, cells("王小明", "wang@school.org")),
        (6, cells(PERSIAN, "maryam@school.org")),
        (7, cells("Zoë", "zoe@school.org", None, None, " sales ,, SALES, emea ")),
    ]
    tally = Tally(columns)
    ready = [
        (r.username, r.first_name, r.last_name, r.tags) for r in check_rows(columns, rows, tally)
    ]
    assert ready == [
        ("Ana García", "Ana", "García", ""),
        ("Fatima Smith-Jones", "", "", ""),
        ("Seán O'Brien", "", "", ""),
        ("王小明", "", "", ""),
        (PERSIAN, "", "", ""),
        ("Zoë", "", "", "sales, emea"),
    ]
    assert tally.rejected == 0


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("username", "Ana\x01García", "invisible control character (U+0001)"),
        ("username", "Ana\nGarcía", "a line break"),
        ("first name", "Ana\tMaría", "a tab"),
        ("last name", "Gar\x1ecía", "invisible control character (U+001E)"),
        ("tags", "sales, em\x1eea", "invisible control character (U+001E)"),
        ("username", "evil\u202egnp.exe", "invisible control character (U+202E)"),
        ("username", "x" * 65, "65 characters long"),
    ],
)
def test_unsafe_characters_are_refused_with_row_column_and_fix(
    column: str, value: str, said: str
) -> None:
    columns = ("username", "email", "first name", "last name", "tags")
    row = dict.fromkeys(columns, "")
    row.update({"username": "Ana", "email": "ana@school.org", column: value})
    tally = Tally(columns)
    staged = list(check_rows(columns, [(4, cells(*row.values()))], tally))
    assert tally.rejected == 1 and staged[0].problem
    problem = tally.first_problems[0]
    assert (problem.row, problem.column) == (4, column)
    assert said in problem.problem
    assert problem.fix
