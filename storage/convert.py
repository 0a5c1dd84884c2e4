"""Rows to domain entities: ORM objects never leave storage."""

from __future__ import annotations

from domain.entities import Course, User, UserStatus
from storage.models import CourseRow, UserRow


def course(row: CourseRow) -> Course:
    return Course(id=row.id, title=row.title)


def user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        username=row.username,
        status=UserStatus(row.status),
        slack_user_id=row.slack_user_id,
        is_admin=row.is_admin,
        last_login_at=row.last_login_at,
        slack_deactivated_at=row.slack_deactivated_at,
    )
