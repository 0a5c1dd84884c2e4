"""The storage implementation of :class:`domain.ports.Store`."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.courses import CourseStore
from storage.groups import GroupStore
from storage.members import MemberStore
from storage.permissions import PermissionStore
from storage.users import UserStore


@dataclass(frozen=True)
class TortoiseStore:
    groups: GroupStore = field(default_factory=GroupStore)
    members: MemberStore = field(default_factory=MemberStore)
    users: UserStore = field(default_factory=UserStore)
    courses: CourseStore = field(default_factory=CourseStore)
    permissions: PermissionStore = field(default_factory=PermissionStore)
