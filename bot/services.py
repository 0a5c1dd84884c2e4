"""The domain services one Roster process uses, built once at start-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from domain.activity import ActivityService
from domain.bulk_jobs import BulkJobs
from domain.courses import CourseService
from domain.emails import MailService
from domain.grants import PermissionService
from domain.groups import GroupService
from domain.imports import ImportService
from domain.invitations import Clock, InvitationService, utc_now
from domain.mail import Letters
from domain.members import MemberService
from domain.password_resets import PasswordResets
from domain.passwords import Hasher
from domain.ports import Store
from domain.rules.service import RuleService
from domain.users import UserService
from domain.workspace import WorkspaceService


@dataclass(frozen=True)
class Services:
    groups: GroupService
    members: MemberService
    mail: MailService
    invitations: InvitationService
    resets: PasswordResets
    activity: ActivityService
    imports: ImportService
    jobs: BulkJobs
    courses: CourseService
    users: UserService
    permissions: PermissionService
    rules: RuleService
    workspace: WorkspaceService

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
        """``job_clock`` is the time bulk jobs go by (their retention); tests move it."""

        def changed(user_ids: Iterable[int], cause: str) -> None:
            rules.touch(user_ids, cause)

        invitations = InvitationService(store, ttl=invite_ttl, changed=changed, hasher=hasher)
        letters = letters or Letters("Roster School", "http://localhost:3000")
        resets = PasswordResets(store, letters, invitations.throttle, utc_now)
        mail = MailService(
            store, letters, invitations, retry_base=mail_retry_base, delivering=delivering
        )
        rules = RuleService(store, mail)
        return cls(
            groups=GroupService(store, changed=changed, renamed=rules.group_renamed),
            members=MemberService(store, mail, changed=changed),
            mail=mail,
            invitations=invitations,
            resets=resets,
            activity=ActivityService(store, mail, changed=changed),
            imports=ImportService(),
            jobs=BulkJobs(store, mail, env_admins=env_admins, changed=changed, clock=job_clock),
            rules=rules,
            courses=CourseService(store),
            users=UserService(store, changed=changed, env_admins=env_admins),
            permissions=PermissionService(store),
            workspace=WorkspaceService(store, letters, env_admins=env_admins),
        )
