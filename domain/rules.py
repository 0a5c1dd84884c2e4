"""Membership rules: one model, read from text or from a form's rows, evaluated in Python.

Storage compiles the same model to SQL (``storage/rule_sql.py``); a property
test holds the two to the same answers. Text comparisons ignore the case of
A-Z only, because that is what both database engines can do the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from domain.errors import DomainError
from domain.validation import clean_text, has_control, title_key

MAX_TEXT = 2000
MAX_CONDITIONS = 30
MAX_LIST = 100
MAX_VALUE = 254
MAX_DAYS = 36_500
STATUSES = ("invited", "active", "suspended")

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """Lower-cases A-Z and nothing else, exactly as ``lower()`` in SQLite does."""
    return text.translate(_ASCII_LOWER)


class Attr(StrEnum):
    EMAIL = "email"
    DOMAIN = "domain"
    USERNAME = "username"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    TAG = "tag"
    STATUS = "status"
    CREATED = "created"
    LAST_SIGN_IN = "last_sign_in"
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    PROGRESS = "progress"
    MEMBER = "member"


class Op(StrEnum):
    EQUALS = "equals"
    CONTAINS = "contains"
    STARTS_WITH = "startswith"
    ENDS_WITH = "endswith"
    IN = "in"
    IS_EMPTY = "is empty"
    BEFORE = "before"
    AFTER = "after"
    WITHIN_DAYS = "within"
    AT_LEAST = "at least"
    AT_MOST = "at most"


TEXT_ATTRS = frozenset({Attr.EMAIL, Attr.DOMAIN, Attr.USERNAME, Attr.FIRST_NAME, Attr.LAST_NAME})
TEXT_OPS = (Op.EQUALS, Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.IN, Op.IS_EMPTY)
DATE_OPS = (Op.BEFORE, Op.AFTER, Op.WITHIN_DAYS)
HAS_OPS = (Op.EQUALS, Op.IN)
OPERATORS: dict[Attr, tuple[Op, ...]] = {
    **{a: TEXT_OPS for a in TEXT_ATTRS},
    Attr.TAG: TEXT_OPS,
    Attr.STATUS: (Op.EQUALS, Op.IN),
    Attr.CREATED: DATE_OPS,
    Attr.LAST_SIGN_IN: (*DATE_OPS, Op.IS_EMPTY),
    Attr.ENROLLED: HAS_OPS,
    Attr.COMPLETED: HAS_OPS,
    Attr.MEMBER: HAS_OPS,
    Attr.PROGRESS: (Op.AT_LEAST, Op.AT_MOST),
}
"""Which operators make sense for which attribute; anything else is refused."""

LABELS: dict[Attr, str] = {
    Attr.EMAIL: "Email",
    Attr.DOMAIN: "Email domain",
    Attr.USERNAME: "Username",
    Attr.FIRST_NAME: "First name",
    Attr.LAST_NAME: "Last name",
    Attr.TAG: "Tag",
    Attr.STATUS: "Status",
    Attr.CREATED: "Created",
    Attr.LAST_SIGN_IN: "Last sign-in",
    Attr.ENROLLED: "Enrolled in course",
    Attr.COMPLETED: "Completed course",
    Attr.PROGRESS: "Progress in course",
    Attr.MEMBER: "Member of group",
}
OP_LABELS: dict[Op, str] = {
    Op.EQUALS: "equals",
    Op.CONTAINS: "contains",
    Op.STARTS_WITH: "starts with",
    Op.ENDS_WITH: "ends with",
    Op.IN: "is one of",
    Op.IS_EMPTY: "is empty",
    Op.BEFORE: "before",
    Op.AFTER: "after",
    Op.WITHIN_DAYS: "within the last N days",
    Op.AT_LEAST: "at least",
    Op.AT_MOST: "at most",
}

Value = str | int | date | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Condition:
    attribute: Attr
    operator: Op
    value: Value = None
    course: str | None = None
    """The course a progress condition is about; the value is then the percent."""


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Rule


Rule = Condition | AllOf | AnyOf | Not


@dataclass(frozen=True, slots=True)
class Person:
    """What a rule can see of a user; courses and groups are keyed by title key."""

    id: int
    email: str
    username: str
    first_name: str
    last_name: str
    tags: tuple[str, ...]
    status: str
    created_at: datetime
    last_login_at: datetime | None
    courses: Mapping[str, tuple[int, bool]] = field(default_factory=dict)
    """Course title key -> (progress, completed)."""
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Catalogue:
    """The names a rule may use: course and group titles by their key."""

    courses: Mapping[str, str]
    groups: Mapping[str, str]
    own_group: str | None = None
    """The key of the group whose rule this is: a rule may not name its own group."""


class RuleError(DomainError):
    """A rule that cannot be used; ``position`` points into its text, ``row`` at a form row."""

    def __init__(
        self, message: str, *, text: str = "", position: int | None = None, row: int | None = None
    ) -> None:
        self.message, self.text, self.position, self.row = message, text, position, row
        super().__init__(message)

    def short(self) -> str:
        """One line, for a form field's error: where, and what was expected."""
        if self.position is None or not self.text:
            return self.message
        near = self.text[self.position : self.position + 20].strip() or "the end"
        return f"At character {self.position + 1} (near “{near}”): {self.message}"

    def explain(self) -> str:
        """The message with the text and a caret under the place it is about."""
        if self.position is None or not self.text:
            return self.message
        line = self.text.replace("\n", " ")
        caret = " " * self.position + "^"
        return f"At character {self.position + 1}: {self.message}\n```{line}\n{caret}```"


# ---------------------------------------------------------------- reading text

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>\d+)
    |(?P<symbol>==|!=|>=|<=|=|[()\[\],])
    |(?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<bad>\S)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not"})
_ATTR_WORDS: dict[str, Attr] = {
    "email": Attr.EMAIL,
    "domain": Attr.DOMAIN,
    "email_domain": Attr.DOMAIN,
    "username": Attr.USERNAME,
    "first_name": Attr.FIRST_NAME,
    "firstname": Attr.FIRST_NAME,
    "last_name": Attr.LAST_NAME,
    "lastname": Attr.LAST_NAME,
    "tag": Attr.TAG,
    "tags": Attr.TAG,
    "status": Attr.STATUS,
    "created": Attr.CREATED,
    "last_sign_in": Attr.LAST_SIGN_IN,
    "last_login": Attr.LAST_SIGN_IN,
    "enrolled": Attr.ENROLLED,
    "completed": Attr.COMPLETED,
    "progress": Attr.PROGRESS,
    "member": Attr.MEMBER,
}
ATTRIBUTE_HELP = (
    "email, domain, username, first_name, last_name, tag, status, created, "
    'last_sign_in, enrolled "Course", completed "Course", progress "Course", member "Group"'
)


class _Token(NamedTuple):
    kind: str
    text: str
    position: int

    def shown(self) -> str:
        return "the end of the rule" if self.kind == "end" else f"`{self.text}`"


def _tokens(text: str) -> list[_Token]:
    found, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            break
        kind = match.lastgroup or "end"
        start = match.start(kind)
        if kind == "bad":
            raise RuleError(
                f"`{match.group(kind)}` is not part of a rule; quote text values, "
                'e.g. email endswith "@acme.com".',
                text=text,
                position=start,
            )
        found.append(_Token(kind, match.group(kind), start))
        at = match.end()
    found.append(_Token("end", "", len(text.rstrip())))
    return found


def parse(text: str, catalogue: Catalogue) -> Rule:
    """The rule a person typed, or :class:`RuleError` pointing at the first mistake."""
    text = text.translate(_QUOTES).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    if not text.strip():
        raise RuleError('the rule is empty; e.g. email endswith "@acme.com".')
    if len(text) > MAX_TEXT:
        raise RuleError(f"keep the rule to {MAX_TEXT} characters (it has {len(text)}).")
    reader = _Reader(text, _tokens(text), catalogue)
    rule = reader.expression()
    if reader.peek.kind != "end":
        reader.fail("`and`, `or` or the end of the rule")
    check_size(rule)
    return rule


def check_size(rule: Rule) -> None:
    count = len(conditions(rule))
    if count > MAX_CONDITIONS:
        raise RuleError(f"a rule may have at most {MAX_CONDITIONS} conditions (this has {count}).")


def conditions(rule: Rule) -> list[Condition]:
    if isinstance(rule, Condition):
        return [rule]
    if isinstance(rule, Not):
        return conditions(rule.part)
    return [c for part in rule.parts for c in conditions(part)]


class _Reader:
    """A recursive-descent reader: or binds loosest, then and, then not."""

    def __init__(self, text: str, tokens: list[_Token], catalogue: Catalogue) -> None:
        self.text, self.tokens, self.catalogue, self.at = text, tokens, catalogue, 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += min(1, len(self.tokens) - 1 - self.at)
        return token

    def word(self, *words: str) -> bool:
        """Takes the next token when it is one of these words."""
        if self.peek.kind == "word" and self.peek.text.lower() in words:
            self.take()
            return True
        return False

    def fail(self, expected: str, token: _Token | None = None) -> RuleError:
        token = token or self.peek
        raise RuleError(
            f"expected {expected}, found {token.shown()}.", text=self.text, position=token.position
        )

    def expression(self) -> Rule:
        parts = [self.conjunction()]
        while self.word("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self) -> Rule:
        parts = [self.unary()]
        while self.word("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def unary(self) -> Rule:
        if self.word("not"):
            return Not(self.unary())
        if self.peek.text == "(":
            self.take()
            inner = self.expression()
            if self.peek.text != ")":
                self.fail("`)` to close the `(`")
            self.take()
            return inner
        return self.condition()

    def condition(self) -> Rule:
        token = self.peek
        attribute = _ATTR_WORDS.get(token.text.lower()) if token.kind == "word" else None
        if attribute is None:
            self.fail(f"a condition starting with one of: {ATTRIBUTE_HELP}")
        self.take()
        if attribute in (Attr.ENROLLED, Attr.COMPLETED, Attr.MEMBER):
            return self.has(attribute)
        if attribute is Attr.PROGRESS:
            return self.progress()
        return self.compare(attribute, token)

    def has(self, attribute: Attr) -> Condition:
        self.word("in", "of")
        if self.peek.text == "[":
            names = self.listing()
            return Condition(attribute, Op.IN, tuple(self.named(attribute, n) for n in names))
        return Condition(attribute, Op.EQUALS, self.named(attribute, self.string()))

    def progress(self) -> Condition:
        self.word("in")
        course = self.named(Attr.PROGRESS, self.string())
        if self.word("at"):
            operator = (
                Op.AT_LEAST if self.word("least") else Op.AT_MOST if self.word("most") else None
            )
            if operator is None:
                self.fail("`least` or `most` after `at`")
        elif self.peek.text in (">=", "<="):
            operator = Op.AT_LEAST if self.take().text == ">=" else Op.AT_MOST
        else:
            self.fail("`at least` or `at most` and a percent, e.g. at least 50")
        return Condition(Attr.PROGRESS, operator, self.number(100), course=course)

    def compare(self, attribute: Attr, name: _Token) -> Rule:
        start = self.peek
        operator, negate = self.operator()
        if operator not in OPERATORS[attribute]:
            allowed = ", ".join(f"`{o.value}`" for o in OPERATORS[attribute])
            raise RuleError(
                f"{LABELS[attribute].lower()} can't use `{operator.value}`; use one of {allowed}.",
                text=self.text,
                position=start.position,
            )
        value = self.operand(attribute, operator)
        condition = Condition(attribute, operator, value)
        return Not(condition) if negate else condition

    def operator(self) -> tuple[Op, bool]:
        token = self.peek
        text = token.text.lower()
        simple = {"equals": Op.EQUALS, "=": Op.EQUALS, "==": Op.EQUALS, "contains": Op.CONTAINS}
        simple |= {"startswith": Op.STARTS_WITH, "endswith": Op.ENDS_WITH, "in": Op.IN}
        simple |= {"before": Op.BEFORE, "after": Op.AFTER, "within": Op.WITHIN_DAYS}
        simple |= {">=": Op.AT_LEAST, "<=": Op.AT_MOST}
        if text in simple and token.kind in ("word", "symbol"):
            self.take()
            return simple[text], False
        if text == "!=":
            self.take()
            return Op.EQUALS, True
        if self.word("not"):
            if self.word("equals"):
                return Op.EQUALS, True
            if self.word("in"):
                return Op.IN, True
            if self.word("contains"):
                return Op.CONTAINS, True
            self.fail("`equals`, `in` or `contains` after `not`")
        if self.word("starts", "ends"):
            ends = self.tokens[self.at - 1].text.lower() == "ends"
            if not self.word("with"):
                self.fail("`with`")
            return (Op.ENDS_WITH if ends else Op.STARTS_WITH), False
        if self.word("is"):
            negate = self.word("not")
            if self.word("empty", "never"):
                return Op.IS_EMPTY, negate
            self.fail("`empty` (or `never` for last_sign_in) after `is`")
        self.fail(
            "an operator: equals, !=, contains, startswith, endswith, in, is empty, "
            "before, after, within N days"
        )
        raise AssertionError

    def operand(self, attribute: Attr, operator: Op) -> Value:
        if operator is Op.IS_EMPTY:
            return None
        if operator in (Op.BEFORE, Op.AFTER):
            token = self.take()
            if token.kind != "date":
                self.fail("a date such as 2026-01-31", token)
            return self.day(token)
        if operator is Op.WITHIN_DAYS:
            self.word("the")
            self.word("last")
            days = self.number(MAX_DAYS, low=1)
            if not self.word("days", "day"):
                self.fail("`days`, e.g. within 30 days")
            return days
        if operator is Op.IN:
            return tuple(self.checked(attribute, v) for v in self.listing())
        return self.checked(attribute, self.value())

    def day(self, token: _Token) -> date:
        try:
            return date.fromisoformat(token.text)
        except ValueError:
            self.fail("a real date such as 2026-01-31", token)
            raise

    def number(self, high: int, *, low: int = 0) -> int:
        token = self.take()
        if token.kind != "number" or not low <= int(token.text) <= high:
            self.fail(f"a whole number from {low} to {high}", token)
        return int(token.text)

    def string(self) -> str:
        token = self.take()
        if token.kind != "string":
            self.fail('a name in quotes, e.g. "Onboarding 101"', token)
        return _unquote(token.text)

    def value(self) -> str:
        token = self.take()
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind in ("word", "number") and token.text.lower() not in _KEYWORDS:
            return token.text
        self.fail('a value in quotes, e.g. "@acme.com"', token)
        raise AssertionError

    def listing(self) -> list[str]:
        opening = self.take()
        if opening.text != "[":
            self.fail('a list such as ["sales", "cs"]', opening)
        values = [self.value()]
        while self.peek.text == "," and self.take() and self.peek.text != "]":
            values.append(self.value())
        closing = self.take()
        if closing.text != "]":
            self.fail("`,` or `]` to close the list", closing)
        if len(values) > MAX_LIST:
            self.fail(f"at most {MAX_LIST} values in a list", opening)
        return values

    def checked(self, attribute: Attr, value: str) -> str:
        start = self.tokens[self.at - 1].position
        try:
            return check_value(attribute, value)
        except RuleError as error:
            raise RuleError(error.message, text=self.text, position=start) from None

    def named(self, attribute: Attr, name: str) -> str:
        start = self.tokens[self.at - 1].position
        try:
            return check_name(attribute, name, self.catalogue)
        except RuleError as error:
            raise RuleError(error.message, text=self.text, position=start) from None


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def check_value(attribute: Attr, value: str) -> str:
    """A text value as rules keep it, or why it can't be one."""
    text = clean_text(value)
    if not text:
        raise RuleError("a value can't be empty; to match an empty field use `is empty`.")
    if len(text) > MAX_VALUE or has_control(text):
        raise RuleError(f"keep each value to {MAX_VALUE} printable characters.")
    if attribute is Attr.TAG and "," in text:
        raise RuleError("a tag can't contain a comma; list several tags with in [...].")
    if attribute is Attr.STATUS and fold(text) not in STATUSES:
        raise RuleError(f"status is one of {', '.join(STATUSES)}, not `{text}`.")
    return fold(text) if attribute is Attr.STATUS else text


def check_name(attribute: Attr, name: str, catalogue: Catalogue) -> str:
    """The course or group title a rule names, as the catalogue spells it."""
    key = title_key(clean_text(name))
    if attribute is Attr.MEMBER:
        if key == catalogue.own_group:
            raise RuleError("a group's rule can't depend on membership of that same group.")
        if key not in catalogue.groups:
            raise RuleError(f"there is no group “{name}”; `/group list` shows the groups.")
        return catalogue.groups[key]
    if key not in catalogue.courses:
        raise RuleError(f"there is no course “{name}”; `/group course list` shows the catalogue.")
    return catalogue.courses[key]


# ---------------------------------------------------------------- writing it back


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


# ---------------------------------------------------------------- the form's rows


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
        raise RuleError(error.message, row=number) from None
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


def with_group_renamed(rule: Rule, old: str, new: str) -> Rule:
    """The rule with membership of the group once called ``old`` now naming ``new``."""
    if isinstance(rule, Not):
        return Not(with_group_renamed(rule.part, old, new))
    if isinstance(rule, AllOf | AnyOf):
        return type(rule)(tuple(with_group_renamed(p, old, new) for p in rule.parts))
    if rule.attribute is not Attr.MEMBER:
        return rule

    def swap(name: str) -> str:
        return new if title_key(name) == title_key(old) else name

    if isinstance(rule.value, tuple):
        return replace(rule, value=tuple(swap(v) for v in rule.value))
    return replace(rule, value=swap(str(rule.value)))


# ---------------------------------------------------------------- evaluating


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
