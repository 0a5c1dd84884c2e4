"""Reading a rule from the text people type."""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple, NoReturn

from domain.rules.model import (
    LABELS,
    MAX_DAYS,
    MAX_LIST,
    MAX_TEXT,
    MAX_VALUE,
    OPERATORS,
    STATUSES,
    AllOf,
    AnyOf,
    Attr,
    Catalogue,
    Condition,
    Not,
    Op,
    Rule,
    RuleError,
    UnknownName,
    Value,
    check_size,
    fold,
)
from domain.validation import clean_text, has_control, title_key

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

    def fail(self, expected: str, token: _Token | None = None) -> NoReturn:
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
            raise error.placed(text=self.text, position=start) from None

    def named(self, attribute: Attr, name: str) -> str:
        start = self.tokens[self.at - 1].position
        try:
            return check_name(attribute, name, self.catalogue)
        except RuleError as error:
            raise error.placed(text=self.text, position=start) from None


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
            raise UnknownName("group", name)
        return catalogue.groups[key]
    if key not in catalogue.courses:
        raise UnknownName("course", name)
    return catalogue.courses[key]
