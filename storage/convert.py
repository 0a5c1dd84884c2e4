"""Rows to domain entities: ORM objects never leave storage."""

from __future__ import annotations

from typing import Any, Protocol

from domain.entities import Course, User, UserStatus
from storage.models import CourseRow
from storage.sql import moment


def course(row: CourseRow) -> Course:
    return Course(id=row.id, title=row.title)


class UserColumns(Protocol):
    """A user's columns, from the ORM or read raw (where SQLite gives moments as text
    and booleans as numbers)."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def slack_user_id(self) -> str | None: ...
    @property
    def is_admin(self) -> Any: ...
    @property
    def last_login_at(self) -> Any: ...
    @property
    def slack_deactivated_at(self) -> Any: ...


def user(row: UserColumns) -> User:
    return User(
        id=row.id,
        email=row.email,
        username=row.username,
        status=UserStatus(row.status),
        slack_user_id=row.slack_user_id,
        is_admin=bool(row.is_admin),
        last_login_at=moment(row.last_login_at),
        slack_deactivated_at=moment(row.slack_deactivated_at),
    )
