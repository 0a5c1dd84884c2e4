"""The fake :class:`domain.ports.Store`: every port the group, member, course, user,
permission and notification services use, on one shared set of tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from domain.clock import utc_now
from domain.entities import User
from domain.ports import Store
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
from tests.fakes.emails import FakeOutboxStore, FakeSettingsStore
from tests.fakes.groups import FakeCourseStore, FakeGroupStore
from tests.fakes.people import FakeMemberStore, FakeUserStore, enrol_in_group_courses
from tests.fakes.permissions import FakePermissionStore
from tests.fakes.tables import Database, IntegrityViolation, MembershipRow


class NotFaked(NotImplementedError):
    """A service reached a port the fake store does not have."""


class _Absent:
    """Stands where a port is not faked: any use of it fails at once, naming it.

    Some services take the whole store and keep a port they never use in the test
    (EmailService's AccountService keeps ``store.attempts``), so the attribute
    exists; only calling it fails.
    """

    def __init__(self, port: str) -> None:
        self._port = port

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotFaked(
            f"store.{self._port}.{name}: the fake store has no {self._port}; test this "
            "against storage (tests/storage) or add a fake that behaves like the real one"
        )


def absent(port: str) -> Any:
    """For an attribute annotated with the port's type, so the fake is a :class:`Store`;
    it fails when used, never answers."""
    return _Absent(port)


class FakeStore:
    """In memory; the stores share one :class:`Database`, as the real ones share tables."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = Database(clock)
        self.groups: GroupStore = FakeGroupStore(self.db)
        self.members: MemberStore = FakeMemberStore(self.db)
        self.users: UserStore = FakeUserStore(self.db)
        self.courses: CourseStore = FakeCourseStore(self.db)
        self.permissions: PermissionStore = FakePermissionStore(self.db)
        self.outbox: OutboxStore = FakeOutboxStore(self.db)
        self.settings: SettingsStore = FakeSettingsStore(self.db)
        self.accounts: AccountStore = absent("accounts")
        self.attempts: AttemptStore = absent("attempts")
        self.activity: ActivityStore = absent("activity")
        self.bulk: BulkStore = absent("bulk")
        self.rules: RuleStore = absent("rules")
        self.workspace: WorkspaceStore = absent("workspace")
        self.grading: GradingStore = absent("grading")
        self.certificates: CertificateStore = absent("certificates")
        self.reports: ReportStore = absent("reports")
        self.schedules: ScheduleStore = absent("schedules")
        self.user_cards: UserCardStore = absent("user_cards")
        self.events: EventStore = absent("events")
        self.subscriptions: SubscriptionStore = absent("subscriptions")
        self.webhooks: WebhookStore = absent("webhooks")

    def add_by_rule(self, group_id: int, user: User) -> None:
        """What a rule run (RuleStore.apply, not faked) does to one person it adds: a
        membership marked as the rule's, and enrolment in the group's courses. Its
        emails and events are left out; tests that need them test the rule store."""
        db = self.db
        if user.id not in db.tables.users or group_id not in db.tables.groups:
            raise IntegrityViolation(f"no user #{user.id} or group #{group_id}")
        if db.membership(group_id, user.id) is None:
            row = MembershipRow(db.next_id(), group_id, user.id, db.clock(), source="rule")
            db.tables.memberships[row.id] = row
            enrol_in_group_courses(db, group_id, user.id)


if TYPE_CHECKING:
    _SATISFIES: Store = FakeStore()
    """mypy checks here that the fake has every port of the real store, typed alike."""
