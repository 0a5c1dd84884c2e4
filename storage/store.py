"""The storage implementation of :class:`domain.ports.Store`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.ports import Store
from storage.accounts import AccountStore
from storage.activity import ActivityStore
from storage.attempts import AttemptStore
from storage.bulk import BulkStore
from storage.certificates import CertificateStore
from storage.courses import CourseStore
from storage.events import EventStore
from storage.grading import GradingStore
from storage.groups import GroupStore
from storage.members import MemberStore
from storage.outbox import OutboxStore
from storage.permissions import PermissionStore
from storage.reports import ReportStore
from storage.rules import RuleStore
from storage.schedules import ScheduleStore
from storage.settings import SettingsStore
from storage.subscriptions import SubscriptionStore
from storage.user_card import UserCardStore
from storage.users import UserStore
from storage.webhooks import WebhookStore
from storage.workspace import WorkspaceStore


@dataclass(frozen=True)
class TortoiseStore:
    groups: GroupStore = field(default_factory=GroupStore)
    members: MemberStore = field(default_factory=MemberStore)
    users: UserStore = field(default_factory=UserStore)
    courses: CourseStore = field(default_factory=CourseStore)
    permissions: PermissionStore = field(default_factory=PermissionStore)
    outbox: OutboxStore = field(default_factory=OutboxStore)
    accounts: AccountStore = field(default_factory=AccountStore)
    attempts: AttemptStore = field(default_factory=AttemptStore)
    settings: SettingsStore = field(default_factory=SettingsStore)
    activity: ActivityStore = field(default_factory=ActivityStore)
    bulk: BulkStore = field(default_factory=BulkStore)
    rules: RuleStore = field(default_factory=RuleStore)
    workspace: WorkspaceStore = field(default_factory=WorkspaceStore)
    grading: GradingStore = field(default_factory=GradingStore)
    certificates: CertificateStore = field(default_factory=CertificateStore)
    reports: ReportStore = field(default_factory=ReportStore)
    schedules: ScheduleStore = field(default_factory=ScheduleStore)
    user_cards: UserCardStore = field(default_factory=UserCardStore)
    events: EventStore = field(default_factory=EventStore)
    subscriptions: SubscriptionStore = field(default_factory=SubscriptionStore)
    webhooks: WebhookStore = field(default_factory=WebhookStore)


if TYPE_CHECKING:
    _SATISFIES: Store = TortoiseStore()
    """mypy checks here that the store has every port of the domain, typed alike."""
