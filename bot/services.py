"""The domain services one Roster process uses, built once at start-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from domain.accounts import AccountService
from domain.activity import ActivityService
from domain.bulk.service import BulkJobs
from domain.bulk.sheet import BulkSheets
from domain.certificates.service import CertificateService
from domain.clock import Clock, utc_now
from domain.courses import CourseService
from domain.emails import EmailService
from domain.events.service import EventService
from domain.events.subscriptions import SubscriptionService
from domain.grading.service import GradingService
from domain.grants import PermissionService
from domain.groups import GroupService
from domain.letters import Letters
from domain.members import MemberService
from domain.password_resets import PasswordResets
from domain.passwords import Hasher
from domain.ports import Store
from domain.reports import ReportService
from domain.rules.service import RuleService
from domain.schedules import ScheduleService
from domain.school_time import SchoolTime
from domain.user_card.service import UserCards
from domain.users import UserService
from domain.webhooks.service import WebhookService
from domain.workspace import WorkspaceService


@dataclass(frozen=True)
class Services:
    groups: GroupService
    members: MemberService
    emails: EmailService
    accounts: AccountService
    resets: PasswordResets
    activity: ActivityService
    sheets: BulkSheets
    bulk: BulkJobs
    courses: CourseService
    users: UserService
    permissions: PermissionService
    rules: RuleService
    workspace: WorkspaceService
    grading: GradingService
    certificates: CertificateService
    reports: ReportService
    schedules: ScheduleService
    user_cards: UserCards
    events: EventService
    subscriptions: SubscriptionService
    webhooks: WebhookService
    school_time: SchoolTime

    @classmethod
    def build(
        cls,
        store: Store,
        *,
        env_admins: Iterable[str] = (),
        letters: Letters | None = None,
        invite_ttl: timedelta = timedelta(hours=72),
        mail_retry_base: float = 5.0,
        delivering: bool = True,
        hasher: Hasher | None = None,
        job_clock: Clock = utc_now,
    ) -> Services:
        """``job_clock`` is the time bulk jobs and the events log go by (their retention);
        tests move it."""

        def changed(user_ids: Iterable[int], cause: str) -> None:
            rules.touch(user_ids, cause)

        accounts = AccountService(store, ttl=invite_ttl, changed=changed, hasher=hasher)
        letters = letters or Letters("Roster School", "http://localhost:3000")
        resets = PasswordResets(store, letters, accounts.throttle, utc_now)
        emails = EmailService(
            store, letters, accounts, retry_base=mail_retry_base, delivering=delivering
        )
        rules = RuleService(store, emails)
        groups = GroupService(store, changed=changed, renamed=rules.group_renamed)
        return cls(
            groups=groups,
            members=MemberService(store, emails, changed=changed),
            emails=emails,
            accounts=accounts,
            resets=resets,
            activity=ActivityService(store, emails, changed=changed),
            sheets=BulkSheets(),
            bulk=BulkJobs(store, emails, env_admins=env_admins, changed=changed, clock=job_clock),
            rules=rules,
            courses=CourseService(store),
            users=UserService(store, changed=changed, env_admins=env_admins),
            permissions=PermissionService(store),
            workspace=WorkspaceService(store, letters, env_admins=env_admins),
            grading=GradingService(store, emails),
            certificates=CertificateService(store),
            reports=ReportService(store),
            schedules=ScheduleService(store),
            user_cards=UserCards(store, emails, changed=changed, env_admins=env_admins),
            events=EventService(store, groups, clock=job_clock),
            subscriptions=SubscriptionService(store, groups),
            webhooks=WebhookService(store.webhooks, clock=job_clock),
            school_time=SchoolTime(store),
        )
