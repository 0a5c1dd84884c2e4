"""The domain services one Roster process uses, built once at start-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.courses import CourseService
from domain.grants import PermissionService
from domain.groups import GroupService
from domain.members import MemberService
from domain.ports import Store
from domain.users import UserService


@dataclass(frozen=True)
class Services:
    groups: GroupService
    members: MemberService
    courses: CourseService
    users: UserService
    permissions: PermissionService

    @classmethod
    def build(cls, store: Store, *, env_admins: Iterable[str] = ()) -> Services:
        return cls(
            groups=GroupService(store),
            members=MemberService(store),
            courses=CourseService(store),
            users=UserService(store, env_admins=env_admins),
            permissions=PermissionService(store),
        )
