"""Reading rules from text and from form rows, writing them back, and evaluating them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.rules.evaluator import matches
from domain.rules.form import FormRow, from_form
from domain.rules.model import AllOf, AnyOf, Attr, Catalogue, Condition, Not, Op, Person, RuleError
from domain.rules.parser import parse
from domain.rules.text import describe, to_text

CATALOGUE = Catalogue(
    {"onboarding 101": "Onboarding 101", "python 101": "Python 101"},
    {"sales": "Sales", "acme": "Acme"},
    own_group="acme",
)
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def person(**changes: object) -> Person:
    fields: dict[str, object] = {
        "id": 1,
        "email": "ada@acme.com",
        "username": "ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "tags": ("sales", "emea"),
        "status": "active",
        "created_at": datetime(2026, 1, 10, tzinfo=UTC),
        "last_login_at": None,
        "courses": {"onboarding 101": (100, True), "python 101": (40, False)},
        "groups": frozenset({"sales"}),
    }
    return Person(**(fields | changes))  # type: ignore[arg-type]


def test_the_issue_example_reads_as_one_model_and_writes_back_the_same() -> None:
    text = 'email endswith "@acme.com" and (tag in ["sales", "cs"] or completed "onboarding 101")'
    rule = parse(text, CATALOGUE)
    assert rule == AllOf(
        (
            Condition(Attr.EMAIL, Op.ENDS_WITH, "@acme.com"),
            AnyOf(
                (
                    Condition(Attr.TAG, Op.IN, ("sales", "cs")),
                    Condition(Attr.COMPLETED, Op.EQUALS, "Onboarding 101"),
                )
            ),
        )
    )
    assert to_text(rule) == text.replace("onboarding 101", "Onboarding 101")
    assert parse(to_text(rule), CATALOGUE) == rule
    assert describe(rule) == (
        "email ends with “@acme.com” and (has any tag of “sales”, “cs” or has completed "
        "“Onboarding 101”)"
    )
    assert matches(rule, person(), NOW)
    assert not matches(rule, person(tags=("cs-lead",), courses={}), NOW)


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ('email eq "x"', 6, "expected an operator"),
        ("email endswith", 14, "found the end of the rule"),
        ('tag in ["a", "b"', 16, "`,` or `]` to close the list"),
        ('(email contains "a"', 19, "`)` to close the `(`"),
        ('status = "gone"', 9, "status is one of invited, active, suspended"),
        ('completed "Cooking"', 10, "there is no course “Cooking”"),
        ('member "Acme"', 7, "can't depend on membership of that same group"),
        ("created before 2026-02-30", 15, "a real date"),
        ('progress "Python 101" at least 120', 31, "a whole number from 0 to 100"),
        ("created within 30", 17, "`days`"),
        ('email contains "a" nor tag = "b"', 19, "`and`, `or` or the end of the rule"),
        ("created contains 5", 8, "created can't use `contains`"),
        ('email = "a" ; drop', 12, "is not part of a rule"),
    ],
)
def test_a_mistake_points_at_its_place_and_says_what_was_expected(
    text: str, position: int, words: str
) -> None:
    with pytest.raises(RuleError) as caught:
        parse(text, CATALOGUE)
    assert caught.value.position == position
    assert words in caught.value.message
    assert caught.value.explain().splitlines()[-1] == " " * position + "^```"


def test_operators_have_words_symbols_and_negations() -> None:
    spelled = parse(
        'first_name starts with "A" and last_name != "Byron" and username not in ["x"] '
        'and progress "Python 101" >= 40 and last_sign_in is never and tags is not empty',
        CATALOGUE,
    )
    assert matches(spelled, person(), NOW)
    assert not matches(spelled, person(last_login_at=NOW), NOW)
    assert not matches(spelled, person(tags=()), NOW)


def test_dates_compare_whole_days_and_within_counts_back_from_now() -> None:
    created = person(created_at=datetime(2026, 1, 10, 23, 59, tzinfo=UTC))
    assert matches(parse("created before 2026-01-11", CATALOGUE), created, NOW)
    assert not matches(parse("created after 2026-01-10", CATALOGUE), created, NOW)
    assert matches(parse("created after 2026-01-09", CATALOGUE), created, NOW)
    assert not matches(parse("created within 30 days", CATALOGUE), created, NOW)
    recent = person(last_login_at=datetime(2026, 11, 20, tzinfo=UTC))
    assert matches(parse("last_sign_in within the last 10 days", CATALOGUE), recent, NOW)


def test_text_ignores_the_case_of_ascii_letters_only() -> None:
    rule = parse('first_name = "ADA" and domain = "ACME.COM"', CATALOGUE)
    assert matches(rule, person(), NOW)
    assert not matches(parse('first_name = "émile"', CATALOGUE), person(first_name="Émile"), NOW)


def test_form_rows_make_two_blocks_joined_by_and() -> None:
    rule = from_form(
        [FormRow("email", "endswith", "@acme.com"), FormRow("", "", "")],
        True,
        [
            FormRow("tag", "in", "sales, cs"),
            FormRow("completed", "equals", "Onboarding 101"),
            FormRow("status", "equals", "invited", negate=True),
        ],
        False,
        CATALOGUE,
    )
    assert rule == AllOf(
        (
            Condition(Attr.EMAIL, Op.ENDS_WITH, "@acme.com"),
            AnyOf(
                (
                    Condition(Attr.TAG, Op.IN, ("sales", "cs")),
                    Condition(Attr.COMPLETED, Op.EQUALS, "Onboarding 101"),
                    Not(Condition(Attr.STATUS, Op.EQUALS, "invited")),
                )
            ),
        )
    )


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (FormRow("", "equals", "x"), "choose what this condition is about"),
        (FormRow("email", "", "x"), "choose how to compare"),
        (FormRow("created", "contains", "x"), "Created can't use “contains”"),
        (FormRow("progress", "at least", "Python 101"), "e.g. Python 101, 50"),
        (FormRow("created", "within", "soon"), "a number of days"),
        (FormRow("email", "equals", " "), "to match an empty field use `is empty`"),
    ],
)
def test_a_bad_row_is_named_by_its_number(row: FormRow, words: str) -> None:
    with pytest.raises(RuleError) as caught:
        from_form([FormRow("email", "contains", "a")], True, [row], True, CATALOGUE)
    assert caught.value.row == 1
    assert words in caught.value.message


def test_an_empty_form_asks_for_a_condition() -> None:
    with pytest.raises(RuleError, match="add at least one condition"):
        from_form([], True, [], True, CATALOGUE)


def test_progress_and_dates_from_rows() -> None:
    rule = from_form(
        [
            FormRow("progress", "at least", "Python 101, 40"),
            FormRow("created", "before", "2026-02-01"),
        ],
        True,
        [],
        True,
        CATALOGUE,
    )
    assert rule == AllOf(
        (
            Condition(Attr.PROGRESS, Op.AT_LEAST, 40, course="Python 101"),
            Condition(Attr.CREATED, Op.BEFORE, date(2026, 2, 1)),
        )
    )
    assert matches(rule, person(), NOW)
