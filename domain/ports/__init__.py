"""What the domain needs from storage, as protocols storage implements: one module
per feature, each depending on records only, and ``Store``, which holds them all.

Methods that write are single transactions in storage; the domain decides
what is allowed and what it means, storage makes it so atomically.
"""

from __future__ import annotations

from typing import Protocol

from domain.ports.accounts import AccountStore, AttemptStore
from domain.ports.activity import ActivityStore
from domain.ports.bulk import BulkStore
from domain.ports.emails import OutboxStore, SettingsStore
from domain.ports.groups import CourseStore, GroupStore
from domain.ports.people import MemberStore, UserStore
from domain.ports.permissions import PermissionStore
from domain.ports.rules import RuleStore
from domain.ports.workspace import WorkspaceStore


class Store(Protocol):
    groups: GroupStore
    members: MemberStore
    users: UserStore
    courses: CourseStore
    permissions: PermissionStore
    outbox: OutboxStore
    accounts: AccountStore
    attempts: AttemptStore
    settings: SettingsStore
    activity: ActivityStore
    bulk: BulkStore
    rules: RuleStore
    workspace: WorkspaceStore
