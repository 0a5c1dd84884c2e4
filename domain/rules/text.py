"""A rule written back: as text to edit, and in words to read."""

from __future__ import annotations

from datetime import date

from domain.rules.model import (
    LABELS,
    OP_LABELS,
    AllOf,
    AnyOf,
    Attr,
    Condition,
    Not,
    Op,
    Rule,
    Value,
)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_text(rule: Rule) -> str:
    """The rule in the syntax :func:`parse` reads; saved rules are kept like this."""
    if isinstance(rule, Not):
        return f"not {_nested_text(rule.part)}"
    if isinstance(rule, AllOf | AnyOf):
        joiner = " and " if isinstance(rule, AllOf) else " or "
        return joiner.join(_nested_text(p) for p in rule.parts)
    return _condition_text(rule)


def _nested_text(rule: Rule) -> str:
    return f"({to_text(rule)})" if isinstance(rule, AllOf | AnyOf) else to_text(rule)


def _condition_text(c: Condition) -> str:
    name = c.attribute.value
    if c.attribute is Attr.PROGRESS:
        return f"progress {_quote(c.course or '')} {c.operator.value} {c.value}"
    if c.attribute in (Attr.ENROLLED, Attr.COMPLETED, Attr.MEMBER):
        return f"{name} {_value_text(c.value)}"
    if c.operator is Op.IS_EMPTY:
        return f"{name} is empty"
    if c.operator is Op.WITHIN_DAYS:
        return f"{name} within {c.value} days"
    return f"{name} {c.operator.value} {_value_text(c.value)}"


def _value_text(value: Value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_quote(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return _quote(str(value))


def describe(rule: Rule) -> str:
    """The rule in words, for people who never read the syntax."""
    if isinstance(rule, Not):
        return f"not ({describe(rule.part)})"
    if isinstance(rule, AllOf | AnyOf):
        joiner = " and " if isinstance(rule, AllOf) else " or "
        return joiner.join(
            f"({describe(p)})" if isinstance(p, AllOf | AnyOf) else describe(p) for p in rule.parts
        )
    return _condition_words(rule)


def _condition_words(c: Condition) -> str:
    shown = _shown(c.value)
    if c.attribute is Attr.PROGRESS:
        return f"progress in “{c.course}” is {c.operator.value} {c.value}%"
    if c.attribute in (Attr.ENROLLED, Attr.COMPLETED, Attr.MEMBER):
        verb = {
            Attr.ENROLLED: "is enrolled in",
            Attr.COMPLETED: "has completed",
            Attr.MEMBER: "is a member of",
        }[c.attribute]
        return f"{verb} {'any of ' if c.operator is Op.IN else ''}{shown}"
    label = LABELS[c.attribute].lower()
    if c.attribute is Attr.LAST_SIGN_IN and c.operator is Op.IS_EMPTY:
        return "never signed in"
    if c.operator is Op.WITHIN_DAYS:
        return f"{label} within the last {c.value} days"
    if c.attribute is Attr.TAG and c.operator in (Op.EQUALS, Op.IN):
        return f"has the tag {shown}" if c.operator is Op.EQUALS else f"has any tag of {shown}"
    return f"{label} {OP_LABELS[c.operator]}" + (f" {shown}" if c.value is not None else "")


def _shown(value: Value) -> str:
    if isinstance(value, tuple):
        return ", ".join(f"“{v}”" for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return f"“{value}”"
