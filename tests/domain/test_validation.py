from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.naming import closest
from domain.validation import (
    normalize_description,
    normalize_email,
    normalize_label,
    normalize_name,
    normalize_reason,
    normalize_seat_limit,
    normalize_tags,
    normalize_title,
    normalize_username,
    title_key,
)


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


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ana García", "Ana García"),
        ("  Ana \u00a0  García\t", "Ana García"),
        ("Fatima Smith-Jones", "Fatima Smith-Jones"),
        ("D'Angelo", "D'Angelo"),
        ("Jose\u0301", "José"),
        ("Ἀλέξανδρος", "Ἀλέξανδρος"),
        ("", "ada"),
        (None, "ada"),
    ],
)
def test_a_username_is_a_name_in_any_script(typed: str | None, stored: str) -> None:
    assert normalize_username(typed, email="ada@school.org") == stored


@pytest.mark.parametrize(
    "typed",
    ["Ana\x00", "Ana\x1eGarcía", "Ana\nGarcía", "a\u200bb", "\ud800", "\ue000", "x\u2028y"],
)
def test_what_cannot_be_shown_or_stored_is_refused_and_named_visibly(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_username(typed, email="ada@school.org")
    assert caught.value.field == "username"
    assert caught.value.fix == "type the username again without it"
    shown = caught.value.message
    assert shown.isprintable()


def test_every_name_field_uses_the_same_rules() -> None:
    assert normalize_name(" Zoë ", field="first name") == "Zoë"
    with pytest.raises(InvalidInput) as caught:
        normalize_name("Zo\x01ë", field="first name")
    assert caught.value.field == "first name"
    assert normalize_tags(" sales , , Sales,emea ") == "sales, emea"
    with pytest.raises(InvalidInput, match="21 tags"):
        normalize_tags(",".join(f"t{i}" for i in range(21)))
    assert normalize_label("Final exam", field="assessment") == "Final exam"


def test_descriptions_and_reasons_keep_their_lines_but_no_control_characters() -> None:
    assert normalize_description("Line one\r\n  Line   two ") == "Line one\nLine two"
    with pytest.raises(InvalidInput) as caught:
        normalize_reason("Wrong file\x07")
    assert caught.value.field == "reason"
