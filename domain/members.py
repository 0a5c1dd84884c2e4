"""Adding, removing and listing the members of a group."""

from __future__ import annotations

from domain.clock import utc_now
from domain.emails import EmailService
from domain.entities import (
    Actor,
    AddMemberOutcome,
    Course,
    Group,
    Leaving,
    MemberRow,
    Page,
    User,
)
from domain.errors import KeptByRule, MemberNotFound, SeatLimitReached
from domain.events.model import Cause
from domain.letters import OutgoingEmail
from domain.permissions import Capability, require
from domain.ports import Store
from domain.ports.hooks import Changed
from domain.rules.model import Rule
from domain.validation import normalize_email, normalize_username

MEMBERS_PER_PAGE = 20


class MemberService:
    def __init__(self, store: Store, mail: EmailService, *, changed: Changed) -> None:
        self._store = store
        self._mail = mail
        self._changed = changed

    async def add(
        self, actor: Actor, group: Group, *, email: str, username: str | None = None
    ) -> AddMemberOutcome:
        """Creates the school user if new (invited), adds them, enrols them in the courses.

        Adding is a basic user action; creating a user who is new to the school
        needs "create a user" as well.

        The seat limit is checked by storage under the same lock that inserts,
        so two managers adding at once cannot overfill a group.
        """
        require(actor, Capability.BASIC_USER_ACTIONS, group)
        clean_email = normalize_email(email)
        clean_username = normalize_username(username, email=clean_email)
        if await self._store.users.by_email(clean_email) is None:
            require(actor, Capability.CREATE_USER, group)
        enabled = await self._mail.enabled()

        def emails(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
            return self._mail.for_new_member(
                enabled, user, group, created=created, enrolled=enrolled
            )

        joined = await self._store.members.add(
            group_id=group.id,
            email=clean_email,
            username=clean_username,
            compose=emails,
            cause=Cause.hand(actor.user_id),
        )
        if joined.full or joined.user is None:
            raise SeatLimitReached(group.title, group.seat_limit or 0)
        if not joined.already:
            self._changed([joined.user.id], f"added to {group.title} by hand")
        return AddMemberOutcome(
            group=group,
            user=joined.user,
            created_user=joined.created,
            already_member=joined.already,
            enrolled=joined.enrolled,
            already_enrolled=joined.kept,
        )

    async def remove(self, actor: Actor, group: Group, *, email: str) -> User:
        """Ends the membership; the user stays in the school with their enrolments."""
        require(actor, Capability.BASIC_USER_ACTIONS, group)
        clean_email = normalize_email(email)
        left, user = await self._store.members.remove(
            group_id=group.id, email=clean_email, cause=Cause.hand(actor.user_id)
        )
        if left is Leaving.BY_RULE:
            raise KeptByRule(clean_email, group.title)
        if left is Leaving.NOT_A_MEMBER or user is None:
            raise MemberNotFound(clean_email)
        self._changed([user.id], f"removed from {group.title} by hand")
        return user

    async def page(
        self, actor: Actor, group: Group, *, offset: int = 0, only: Rule | None = None
    ) -> Page[MemberRow]:
        """A page of members; with ``only`` (a segment's rule), of those who meet it."""
        require(actor, Capability.VIEW_GROUPS, group)
        return await self._store.members.page(
            group_id=group.id,
            offset=max(offset, 0),
            limit=MEMBERS_PER_PAGE,
            only=only,
            now=utc_now(),
        )
