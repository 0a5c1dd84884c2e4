"""A rule from the rows of the rule form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.rules.model import (
    LABELS,
    MAX_DAYS,
    MAX_LIST,
    OP_LABELS,
    OPERATORS,
    AllOf,
    AnyOf,
    Attr,
    Catalogue,
    Condition,
    Not,
    Op,
    Rule,
    RuleError,
    check_size,
)
from domain.rules.parser import check_name, check_value
from domain.validation import clean_text


@dataclass(frozen=True, slots=True)
class FormRow:
    """One condition row of the rule form, as typed: keys of Attr and Op, and text."""

    attribute: str
    operator: str
    value: str
    negate: bool = False


FormBlocks = tuple[tuple[Sequence[FormRow], bool], tuple[Sequence[FormRow], bool]]
"""The form's two blocks of rows, each with whether it is all-of (rather than any-of)."""


def from_form(
    first: Sequence[FormRow],
    first_all: bool,
    second: Sequence[FormRow],
    second_all: bool,
    catalogue: Catalogue,
) -> Rule:
    """The form's two blocks of rows, joined by and; each block is all-of or any-of.

    Rows are numbered across both blocks from 0, so an error names its row.
    """
    blocks = []
    offset = 0
    for rows, all_of in ((first, first_all), (second, second_all)):
        parts = [
            _from_row(row, offset + n, catalogue) for n, row in enumerate(rows) if _filled(row)
        ]
        offset += len(rows)
        if parts:
            blocks.append(
                parts[0] if len(parts) == 1 else (AllOf if all_of else AnyOf)(tuple(parts))
            )
    if not blocks:
        raise RuleError("add at least one condition, or write the rule as text.", row=0)
    rule = blocks[0] if len(blocks) == 1 else AllOf(tuple(blocks))
    check_size(rule)
    return rule


def _filled(row: FormRow) -> bool:
    return bool(row.attribute or row.operator or clean_text(row.value))


def _from_row(row: FormRow, number: int, catalogue: Catalogue) -> Rule:
    try:
        attribute = Attr(row.attribute)
    except ValueError:
        raise RuleError("choose what this condition is about.", row=number) from None
    try:
        operator = Op(row.operator)
    except ValueError:
        raise RuleError("choose how to compare.", row=number) from None
    if operator not in OPERATORS[attribute]:
        allowed = ", ".join(OP_LABELS[o] for o in OPERATORS[attribute])
        raise RuleError(
            f"{LABELS[attribute]} can't use “{OP_LABELS[operator]}”; use {allowed}.", row=number
        )
    try:
        condition = _row_condition(attribute, operator, clean_text(row.value), catalogue)
    except RuleError as error:
        raise error.placed(row=number) from None
    return Not(condition) if row.negate else condition


def _row_condition(attribute: Attr, operator: Op, text: str, catalogue: Catalogue) -> Condition:
    if operator is Op.IS_EMPTY:
        return Condition(attribute, operator)
    if attribute is Attr.PROGRESS:
        course, _, percent = text.rpartition(",")
        if not course.strip() or not percent.strip().isdigit() or int(percent) > 100:
            raise RuleError("write the course and a percent, e.g. Python 101, 50.")
        return Condition(
            attribute, operator, int(percent), course=check_name(attribute, course, catalogue)
        )
    if operator in (Op.BEFORE, Op.AFTER):
        try:
            return Condition(attribute, operator, date.fromisoformat(text))
        except ValueError:
            raise RuleError("write a date such as 2026-01-31.") from None
    if operator is Op.WITHIN_DAYS:
        if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
            raise RuleError(f"write a number of days from 1 to {MAX_DAYS}, e.g. 30.")
        return Condition(attribute, operator, int(text))
    check = check_name if attribute in (Attr.ENROLLED, Attr.COMPLETED, Attr.MEMBER) else None
    if operator is Op.IN:
        items = [t for t in (clean_text(t) for t in text.split(",")) if t]
        if not items or len(items) > MAX_LIST:
            raise RuleError(f"list 1 to {MAX_LIST} values separated by commas, e.g. sales, cs.")
        if check:
            return Condition(
                attribute, operator, tuple(check(attribute, i, catalogue) for i in items)
            )
        return Condition(attribute, operator, tuple(check_value(attribute, i) for i in items))
    if check:
        return Condition(attribute, operator, check(attribute, text, catalogue))
    return Condition(attribute, operator, check_value(attribute, text))
