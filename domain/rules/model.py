"""The rule model: attributes, operators, conditions and how they combine.

Text comparisons ignore the case of A-Z only, because that is what both
database engines can do the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from domain.entities import User
from domain.errors import DomainError, NotFound
from domain.validation import title_key

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

    def placed(
        self, *, text: str = "", position: int | None = None, row: int | None = None
    ) -> RuleError:
        """The same mistake, now knowing where in the text (or which form row) it is."""
        moved = type(self).__new__(type(self))
        moved.__dict__.update(self.__dict__)
        moved.args = self.args
        moved.text, moved.position, moved.row = text, position, row
        return moved

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


class UnknownName(RuleError):
    """A rule names a course or group the catalogue (or the writer's groups) lacks."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"there is no {kind} “{name}”.")


class NoRule(RuleError):
    """The group has no rule to re-evaluate or remove; ``wanted`` says which."""

    def __init__(self, group_title: str, wanted: str) -> None:
        self.group_title, self.wanted = group_title, wanted
        super().__init__(f"{group_title} has no rule to {wanted}.")


class StaleSegment(RuleError):
    """A saved segment names a course or group since deleted or renamed."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"segment “{name}” names a course or group that no longer exists.")


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


class RuleState(StrEnum):
    DRAFT = "draft"
    PENDING = "pending approval"
    ACTIVE = "active"
    REPLACED = "replaced"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class SavedRule:
    """A group's rule (``group_id`` set) or a user segment (``name`` set), in any state."""

    id: int
    group_id: int | None
    name: str
    text: str
    state: RuleState
    created_by: User | None
    created_at: datetime
    saved_at: datetime | None
    last_run_at: datetime | None
    last_added: int
    last_removed: int
    decided_by: User | None = None
    """The admin who approved or rejected a manager's rule."""
    decided_at: datetime | None = None
    reason: str = ""
    channel: str = ""
    """Where the preview sent for approval is: decisions are told in its thread."""
    thread_ts: str = ""


@dataclass(frozen=True, slots=True)
class RulePreview:
    """What saving a rule would change, before it is saved; lists are the first few by email."""

    matching: int
    added: int
    removed: int
    manual_kept: int
    first_added: tuple[User, ...]
    first_removed: tuple[User, ...]
    names_shown: bool = True
    """False for someone who may not view the school's users: counts only, no names."""


@dataclass(frozen=True, slots=True)
class RuleRun:
    """What one evaluation changed."""

    added: tuple[User, ...]
    removed: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class RuleEvent:
    email: str
    change: str
    cause: str
    at: datetime


class RuleNotFound(NotFound):
    """No rule (a preview, a saved rule) has this id."""

    kind = "rule"


class SegmentNotFound(NotFound):
    """No saved segment has this name."""

    kind = "segment"
