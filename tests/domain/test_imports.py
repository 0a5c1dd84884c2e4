from __future__ import annotations

from datetime import datetime

import pytest

from domain.imports import (
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
