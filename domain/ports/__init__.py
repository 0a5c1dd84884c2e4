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
from domain.ports.certificates import CertificateStore
from domain.ports.emails import OutboxStore, SettingsStore
from domain.ports.events import EventStore, SubscriptionStore
from domain.ports.grading import GradingStore
from domain.ports.groups import CourseStore, GroupStore
from domain.ports.people import MemberStore, UserStore
from domain.ports.permissions import PermissionStore
from domain.ports.rules import RuleStore
from domain.ports.user_card import UserCardStore
from domain.ports.webhooks import WebhookStore
from domain.ports.workspace import WorkspaceStore
from domain.reports import ReportStore
from domain.schedules import ScheduleStore


class Store(Protocol):
    """Read-only members, so a frozen implementation (storage's ``TortoiseStore``) satisfies it."""

    @property
    def groups(self) -> GroupStore: ...

    @property
    def members(self) -> MemberStore: ...

    @property
    def users(self) -> UserStore: ...

    @property
    def courses(self) -> CourseStore: ...

    @property
    def permissions(self) -> PermissionStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def accounts(self) -> AccountStore: ...

    @property
    def attempts(self) -> AttemptStore: ...

    @property
    def settings(self) -> SettingsStore: ...

    @property
    def activity(self) -> ActivityStore: ...

    @property
    def bulk(self) -> BulkStore: ...

    @property
    def rules(self) -> RuleStore: ...

    @property
    def workspace(self) -> WorkspaceStore: ...

    @property
    def grading(self) -> GradingStore: ...

    @property
    def certificates(self) -> CertificateStore: ...

    @property
    def reports(self) -> ReportStore: ...

    @property
    def schedules(self) -> ScheduleStore: ...

    @property
    def user_cards(self) -> UserCardStore: ...

    @property
    def events(self) -> EventStore: ...

    @property
    def subscriptions(self) -> SubscriptionStore: ...

    @property
    def webhooks(self) -> WebhookStore: ...
