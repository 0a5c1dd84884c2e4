"""The domain services wired to a fake store, as bot/services.py wires them to storage,
and the people the unit tests act as."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from domain.accounts import AccountService
from domain.courses import CourseService
from domain.emails import EmailService
from domain.entities import Actor, Course, Group, LoggedEmail, SlackProfile, User
from domain.grants import PermissionService
from domain.groups import GroupService
from domain.letters import Letters
from domain.members import MemberService
from domain.permissions import Capability
from domain.users import UserService
from tests.fakes.store import FakeStore

ADMIN = "UADMIN"
"""The Slack id of the admin named in settings (``ROSTER_ADMINS``)."""
LETTERS = Letters("Demo School", "https://roster.example")


@dataclass
class School:
    store: FakeStore = field(default_factory=FakeStore)
    changed: list[tuple[list[int], str]] = field(default_factory=list)
    """What the membership rules were told: whose data changed, and why."""
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """(old title, new title) of each renamed group, as the rules hear it."""

    def __post_init__(self) -> None:
        store = self.store
        invitations = AccountService(store, ttl=timedelta(hours=72), changed=self._changed)
        self.emails = EmailService(store, LETTERS, invitations)
        self.groups = GroupService(store, changed=self._changed, renamed=self._renamed)
        self.members = MemberService(store, self.emails, changed=self._changed)
        self.courses = CourseService(store)
        self.users = UserService(store, changed=self._changed, env_admins=[ADMIN])
        self.permissions = PermissionService(store)

    def _changed(self, user_ids: Iterable[int], cause: str) -> None:
        self.changed.append((list(user_ids), cause))

    async def _renamed(self, old_title: str, group: Group) -> None:
        self.renamed.append((old_title, group.title))

    async def admin(self) -> Actor:
        """As every request does: who is calling is read from the store afresh."""
        return await self.users.actor(ADMIN)

    async def course(self, title: str) -> Course:
        return await self.courses.create(None, title=title)

    async def group(self, title: str, *courses: Course, seats: int | str | None = None) -> Group:
        return await self.groups.create(
            await self.admin(), title=title, courses=courses, seat_limit=seats
        )

    async def manager(self, slack_id: str, group: Group, *granted: Capability) -> Actor:
        """A User Group Manager of ``group``, holding exactly ``granted``."""
        admin = await self.admin()
        profile = SlackProfile(slack_id, f"{slack_id.lower()}@school.org", slack_id)
        await self.groups.add_manager(admin, await self._fresh(group), profile)
        user = await self.permissions.subject(admin, profile)
        await self.permissions.save(admin, user, [c.value for c in granted])
        return await self.users.actor(slack_id)

    async def user(self, email: str) -> User | None:
        return await self.store.users.by_email(email)

    async def linked(self, slack_id: str) -> User:
        """The school user of a Slack account that must have one."""
        user = await self.store.users.by_slack_id(slack_id)
        assert user is not None, f"{slack_id} is not linked to a school user"
        return user

    async def outbox(self) -> list[LoggedEmail]:
        """Everything queued, oldest first."""
        page = await self.store.outbox.log(trigger=None, since=None, offset=0, limit=1000)
        return list(reversed(page.items))

    async def _fresh(self, group: Group) -> Group:
        found = await self.store.groups.get(group.id)
        assert found is not None
        return found
