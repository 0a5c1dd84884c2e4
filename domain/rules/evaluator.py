"""Whether a person meets a rule, in Python; storage/rule_sql.py is its SQL twin."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.rules.model import (
    AllOf,
    AnyOf,
    Attr,
    Condition,
    Not,
    Op,
    Person,
    Rule,
    fold,
)
from domain.validation import title_key


def day_start(day: date, *, next_day: bool = False) -> datetime:
    """Midnight UTC at the start of ``day`` (or of the day after)."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment + timedelta(days=1) if next_day else moment


def threshold(condition: Condition, now: datetime) -> datetime:
    """The moment a date condition compares with: before is <, after and within are >=."""
    value = condition.value
    if condition.operator is Op.WITHIN_DAYS and isinstance(value, int):
        return now - timedelta(days=value)
    if isinstance(value, date):
        return day_start(value, next_day=condition.operator is Op.AFTER)
    raise ValueError(f"{condition} has no date")


def matches(rule: Rule, person: Person, now: datetime) -> bool:
    """Whether the person meets the rule at ``now``."""
    if isinstance(rule, Not):
        return not matches(rule.part, person, now)
    if isinstance(rule, AllOf):
        return all(matches(p, person, now) for p in rule.parts)
    if isinstance(rule, AnyOf):
        return any(matches(p, person, now) for p in rule.parts)
    return _meets(rule, person, now)


def _meets(c: Condition, person: Person, now: datetime) -> bool:
    if c.attribute in (Attr.CREATED, Attr.LAST_SIGN_IN):
        moment = person.created_at if c.attribute is Attr.CREATED else person.last_login_at
        if c.operator is Op.IS_EMPTY:
            return moment is None
        if moment is None:
            return False
        edge = threshold(c, now)
        return moment < edge if c.operator is Op.BEFORE else moment >= edge
    if c.attribute is Attr.PROGRESS:
        found = person.courses.get(title_key(c.course or ""))
        if found is None or not isinstance(c.value, int):
            return False
        return found[0] >= c.value if c.operator is Op.AT_LEAST else found[0] <= c.value
    if c.attribute in (Attr.ENROLLED, Attr.COMPLETED, Attr.MEMBER):
        names = c.value if isinstance(c.value, tuple) else (str(c.value),)
        return any(_has(c.attribute, title_key(n), person) for n in names)
    if c.attribute is Attr.TAG:
        if c.operator is Op.IS_EMPTY:
            return not person.tags
        return any(_text_meets(c, fold(tag)) for tag in person.tags)
    return _text_meets(c, fold(_text_of(c.attribute, person)))


def _has(attribute: Attr, key: str, person: Person) -> bool:
    if attribute is Attr.MEMBER:
        return key in person.groups
    found = person.courses.get(key)
    return found is not None and (attribute is Attr.ENROLLED or found[1])


def _text_of(attribute: Attr, person: Person) -> str:
    if attribute is Attr.DOMAIN:
        return person.email.partition("@")[2]
    return {
        Attr.EMAIL: person.email,
        Attr.USERNAME: person.username,
        Attr.FIRST_NAME: person.first_name,
        Attr.LAST_NAME: person.last_name,
        Attr.STATUS: person.status,
    }[attribute]


def _text_meets(c: Condition, text: str) -> bool:
    if c.operator is Op.IS_EMPTY:
        return text == ""
    if c.operator is Op.IN and isinstance(c.value, tuple):
        return text in {fold(v) for v in c.value}
    value = fold(str(c.value))
    if c.operator is Op.CONTAINS:
        return value in text
    if c.operator is Op.STARTS_WITH:
        return text.startswith(value)
    if c.operator is Op.ENDS_WITH:
        return text.endswith(value)
    return text == value
