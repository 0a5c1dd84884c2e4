from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.naming import closest
from domain.validation import normalize_email, normalize_seat_limit, normalize_title, title_key


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ada@School.org", "ada@school.org"),
        ("\u00a0ada@school.org ", "ada@school.org"),
        ("mailto:ada@school.org", "ada@school.org"),
        ("first.last+tag@sub.school.co.uk", "first.last+tag@sub.school.co.uk"),
    ],
)
def test_emails_are_trimmed_and_lowercased(typed: str, stored: str) -> None:
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ada",
        "ada@",
        "@school.org",
        "ada@@school.org",
        "ada@school",
        "a..b@school.org",
        "ada@school.org\r\nBcc: x@y.org",
        "ada smith@school.org",
    ],
)
def test_bad_emails_are_refused_with_the_expected_form(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_email(typed)
    assert caught.value.field == "email"
    assert "ada@school.org" in caught.value.message


def test_titles_collapse_spaces_and_refuse_control_characters() -> None:
    assert normalize_title("  Sales   Team ") == "Sales Team"
    with pytest.raises(InvalidInput):
        normalize_title("Sales\x00Team")
    with pytest.raises(InvalidInput, match="80 characters"):
        normalize_title("x" * 81)


def test_title_keys_ignore_case_and_width() -> None:
    assert (
        title_key("SALES Team")
        == title_key("sales team")
        == title_key("\uff53\uff41\uff4c\uff45\uff53 team")
    )


@pytest.mark.parametrize(("typed", "seats"), [(None, None), ("", None), ("12", 12), (3, 3)])
def test_seat_limits(typed: object, seats: int | None) -> None:
    assert normalize_seat_limit(typed) == seats


@pytest.mark.parametrize("typed", ["0", "-1", "ten", "100001"])
def test_bad_seat_limits_name_the_range(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_seat_limit(typed)
    assert caught.value.field == "seat limit"


def test_closest_prefers_titles_containing_what_was_typed() -> None:
    titles = ["Sales Team", "Support", "Sales Leads", "Engineering"]
    assert closest("sales", titles) == ["Sales Team", "Sales Leads"]
    assert closest("Enginering", titles) == ["Engineering"]
