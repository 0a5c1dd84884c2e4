"""One person's card: their whole record, and what a caller may do to them.

A person is reached through the groups they are in: a manager sees and acts on
people in the groups assigned to them, and only there; someone outside those
groups answers exactly as someone who does not exist. Admins reach everyone.
Every change is recorded with who made it, when and what, and shown on the card."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from domain.clock import Clock, utc_now
from domain.emails import EmailService
from domain.entities import Actor, Course, Enrollment, Group, User, UserStatus
from domain.errors import CourseNotFound, InvalidInput, NotificationOff
from domain.letters import TRIGGER_LABELS, OutgoingEmail, Trigger
from domain.permissions import Capability, allows, denial, require
from domain.ports import Store
from domain.ports.hooks import Changed
from domain.user_card.model import (
    AdminKept,
    AlreadyInState,
    BeyondYourGroups,
    CardAction,
    Edit,
    EmailTaken,
    EnrolmentUnchanged,
    NotEnrolled,
    PersonNotFound,
    Profile,
    ProgressChange,
    UserCard,
)
from domain.validation import (
    normalize_email,
    normalize_name,
    normalize_reason,
    normalize_tags,
    normalize_username,
)

RECENT = 5
"""Emails, activity and changes the card shows of each."""

ALIAS_DAYS = 30
"""How long a changed email's old address still names the person to the course player."""


CARD_ACTIONS = (
    Capability.BASIC_USER_ACTIONS,
    Capability.UPDATE_PROGRESS,
    Capability.ADVANCED_USER_ACTIONS,
    Capability.DELETE_USER,
)
"""The capabilities whose actions the card draws, checked in a group the person is in."""


class UserCards:
    def __init__(
        self,
        store: Store,
        mail: EmailService,
        *,
        changed: Changed,
        env_admins: Iterable[str] = (),
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._mail = mail
        self._changed = changed
        self._env_admins = frozenset(env_admins)
        self._clock = clock

    async def create(self, actor: Actor, *, email: str, username: str | None) -> UserCard:
        """A school user in no group yet, invited by email. Admins only: a person in no
        group is in no manager's reach, so managers create people by adding them to
        one of their groups."""
        require(actor, Capability.CREATE_UNGROUPED_USER)
        clean = normalize_email(email)
        name = normalize_username(username, email=clean)
        if await self._store.users.by_email(clean) is not None:
            raise EmailTaken(clean)
        invite = Trigger.INVITATION in await self._mail.enabled()

        def letters(user: User) -> list[OutgoingEmail]:
            return [self._mail.letters.school_invitation(user)] if invite else []

        user = await self._store.user_cards.create(
            email=clean, username=name, by=actor.user_id, now=self._clock(), compose=letters
        )
        self._changed([user.id], "joined the school")
        return await self._card(actor, user)

    async def by_email(self, actor: Actor, email: str) -> UserCard:
        """The card of the person with this email, if the caller may see them."""
        require(actor, Capability.VIEW_USERS)
        clean = normalize_email(email)
        user = await self._store.users.by_email(clean)
        return await self._card(actor, await self._reach(actor, user, clean, Capability.VIEW_USERS))

    async def by_id(self, actor: Actor, user_id: int) -> UserCard:
        """The card opened from a list (a group's members), by the person's id."""
        require(actor, Capability.VIEW_USERS)
        user = await self._store.users.get(user_id)
        return await self._card(
            actor, await self._reach(actor, user, f"#{user_id}", Capability.VIEW_USERS)
        )

    async def resend_invitation(self, actor: Actor, user_id: int) -> UserCard:
        """A fresh invitation for someone who never chose a password; links sent before
        keep working until they expire. A suspended person gets none."""
        user = await self._reachable(actor, user_id, Capability.BASIC_USER_ACTIONS)
        if user.status is not UserStatus.INVITED:
            raise AlreadyInState(user.username, user.status)
        if Trigger.INVITATION not in await self._mail.enabled():
            raise NotificationOff(TRIGGER_LABELS[Trigger.INVITATION])
        await self._store.user_cards.record(
            user.id,
            CardAction.INVITATION_RESENT,
            by=actor.user_id,
            now=self._clock(),
            emails=[self._mail.letters.school_invitation(user)],
        )
        return await self._card(actor, user)

    async def editable(self, actor: Actor, user_id: int) -> UserCard:
        """The card as the edit form needs it: reached with basic user actions."""
        return await self._card(
            actor, await self._reachable(actor, user_id, Capability.BASIC_USER_ACTIONS)
        )

    async def group_choices(
        self, actor: Actor, user_id: int, *, most: int
    ) -> tuple[UserCard, list[Group]]:
        """The card and the caller's groups (the first ``most``) they may add this
        person to or remove them from; adding and removing themselves go through the
        member service, which checks again."""
        card = await self.editable(actor, user_id)
        return card, await self._acting_in(actor, most)

    async def course_choices(self, actor: Actor, user_id: int) -> tuple[UserCard, list[Course]]:
        """The card and the courses the caller may enrol this person in or take them
        out of: the courses of the caller's groups (admins: every course)."""
        card = await self.editable(actor, user_id)
        return card, await self._offered(actor)

    async def enrol(
        self, actor: Actor, user_id: int, course_id: int, *, enrol: bool
    ) -> tuple[UserCard, Course]:
        """Enrols them in one course of the caller's groups at 0%, with the enrolment
        email as joining a group sends it, or ends that enrolment (progress and all);
        each recorded with the caller's name."""
        user = await self._reachable(actor, user_id, Capability.BASIC_USER_ACTIONS)
        course = next((c for c in await self._offered(actor) if c.id == course_id), None)
        if course is None:
            raise CourseNotFound(f"#{course_id}")
        emails = []
        if enrol and Trigger.COURSE_ENROLLMENT in await self._mail.enabled():
            emails.append(self._mail.letters.enrolled(user, [course]))
        changed = await self._store.user_cards.enrol(
            user.id,
            course.id,
            enrol=enrol,
            by=actor.user_id,
            detail=course.title,
            now=self._clock(),
            emails=emails,
        )
        if not changed:
            raise EnrolmentUnchanged(user.username, course.title, enrolled=enrol)
        self._changed([user.id], f"{'enrolled' if enrol else 'unenrolled'} by hand")
        return await self._card(actor, user), course

    async def _offered(self, actor: Actor) -> list[Course]:
        if actor.is_admin:
            return await self._store.courses.all()
        mine = await self._acting_in(actor, len(actor.managed_group_ids))
        courses = {c.id: c for g in mine for c in g.courses}
        return sorted(courses.values(), key=lambda c: (c.title.lower(), c.id))

    async def _acting_in(self, actor: Actor, most: int) -> list[Group]:
        """The caller's groups (admins: all), the first ``most``, where they may take
        basic user actions."""
        visible = None if actor.is_admin else actor.managed_group_ids
        page = await self._store.groups.page(group_ids=visible, offset=0, limit=most)
        return [g for g in page.items if allows(actor, Capability.BASIC_USER_ACTIONS, g)]

    async def suspend(self, actor: Actor, user_id: int) -> UserCard:
        """They can't sign in, their sessions end and their links stop working; they
        stay in their groups and keep their enrolments, and rules see the status."""
        user = await self._reachable(actor, user_id, Capability.BASIC_USER_ACTIONS)
        if user.status is UserStatus.SUSPENDED:
            raise AlreadyInState(user.username, user.status)
        await self._store.user_cards.set_status(
            user.id, UserStatus.SUSPENDED, by=actor.user_id, now=self._clock()
        )
        self._changed([user.id], "suspended")
        return await self._card(actor, user)

    async def reactivate(self, actor: Actor, user_id: int) -> UserCard:
        """Back to active, or to invited when they never chose a password."""
        user = await self._reachable(actor, user_id, Capability.BASIC_USER_ACTIONS)
        if user.status is not UserStatus.SUSPENDED:
            raise AlreadyInState(user.username, user.status)
        await self._store.user_cards.set_status(user.id, None, by=actor.user_id, now=self._clock())
        self._changed([user.id], "reactivated")
        return await self._card(actor, user)

    async def edit(
        self,
        actor: Actor,
        user_id: int,
        *,
        username: str,
        first_name: str,
        last_name: str,
        tags: str,
    ) -> UserCard:
        """Names and tags, through the same normalisers as a sheet or a command; an
        empty username falls back to the address's local part, as when adding."""
        user = await self._reachable(actor, user_id, Capability.BASIC_USER_ACTIONS)
        clean_tags = normalize_tags(tags)
        edit = Edit(
            username=normalize_username(username, email=user.email),
            first_name=normalize_name(first_name, field="first name"),
            last_name=normalize_name(last_name, field="last name"),
            tags=tuple(t for t in clean_tags.split(", ") if t),
        )
        before = await self._store.user_cards.profile(user.id)
        detail = _edit_detail(user, before, edit)
        if detail:
            await self._store.user_cards.edit(
                user.id, edit, by=actor.user_id, detail=detail, now=self._clock()
            )
            self._changed([user.id], "edited")
        return await self._card(actor, user)

    async def progress_card(self, actor: Actor, user_id: int, capability: Capability) -> UserCard:
        """The card as a progress form needs it: reached with ``capability`` (update
        progress, or advanced user actions for a reset)."""
        return await self._card(actor, await self._reachable(actor, user_id, capability))

    async def set_progress(
        self,
        actor: Actor,
        user_id: int,
        *,
        course_id: int,
        percent: str,
        complete: bool,
        reason: str,
    ) -> UserCard:
        """Sets progress in one course to a value, or marks it complete (progress 100,
        with the completion email as when the course player reports it); the reason
        is kept in the log. Either way it can go down as well as up."""
        user = await self._reachable(actor, user_id, Capability.UPDATE_PROGRESS)
        why = _reason(reason)
        enrolment = await self._enrolment(user, course_id)
        if complete:
            change = ProgressChange(
                CardAction.COMPLETED,
                course_id,
                100,
                f"{enrolment.course.title}: was {enrolment.progress}%; {why}",
            )
        else:
            value = _percent(percent)
            change = ProgressChange(
                CardAction.PROGRESS_SET,
                course_id,
                value,
                f"{enrolment.course.title}: {enrolment.progress}% → {value}%; {why}",
            )
        emails: list[OutgoingEmail] = []
        first_completion = complete and enrolment.completed_at is None
        if first_completion and Trigger.COURSE_COMPLETION in await self._mail.enabled():
            emails.append(self._mail.letters.completed(user, enrolment.course))
        await self._store.user_cards.change_progress(
            user.id, change, by=actor.user_id, now=self._clock(), emails=emails
        )
        self._changed([user.id], f"{change.action} by hand")
        return await self._card(actor, user)

    async def reset_progress(
        self, actor: Actor, user_id: int, *, course_id: int, reason: str
    ) -> UserCard:
        """Back to 0% and not complete; the log keeps what it was, and progress the
        course player reports as having occurred before now is ignored."""
        user = await self._reachable(actor, user_id, Capability.ADVANCED_USER_ACTIONS)
        why = _reason(reason)
        enrolment = await self._enrolment(user, course_id)
        done = f", completed {enrolment.completed_at:%Y-%m-%d}" if enrolment.completed_at else ""
        change = ProgressChange(
            CardAction.PROGRESS_RESET,
            course_id,
            0,
            f"{enrolment.course.title}: was {enrolment.progress}%{done}; {why}",
        )
        await self._store.user_cards.change_progress(
            user.id, change, by=actor.user_id, now=self._clock(), emails=[]
        )
        self._changed([user.id], "progress reset by hand")
        return await self._card(actor, user)

    async def whole_card(self, actor: Actor, user_id: int, capability: Capability) -> UserCard:
        """The card as the change-email or delete form needs it: reached with
        ``capability`` in every group the person is in."""
        return await self._card(actor, await self._whole(actor, user_id, capability))

    async def change_email(self, actor: Actor, user_id: int, *, email: str) -> UserCard:
        """A new address, unique in the school. Both addresses are told, their sessions
        end, and the old address still names them to the course player for
        ``ALIAS_DAYS`` days, so its reports are not refused meanwhile."""
        user = await self._whole(actor, user_id, Capability.ADVANCED_USER_ACTIONS)
        new = normalize_email(email)
        if new == user.email:
            raise InvalidInput("email", f"{new} is already their email", fix="type the new one")
        if await self._store.users.by_email(new) is not None:
            raise EmailTaken(new)
        now = self._clock()
        moved = replace(user, email=new)
        await self._store.user_cards.change_email(
            user.id,
            old=user.email,
            new=new,
            alias_until=now + timedelta(days=ALIAS_DAYS),
            by=actor.user_id,
            now=now,
            emails=self._mail.letters.email_changed(moved, user.email),
        )
        self._changed([user.id], "email changed")
        return await self._card(actor, moved)

    async def delete(self, actor: Actor, user_id: int) -> User:
        """Their memberships, enrolments, sessions, invitations and personal fields go;
        the logs stay, naming them as a deleted user. Never a school admin."""
        user = await self._whole(actor, user_id, Capability.DELETE_USER)
        if self._is_admin(user):
            raise AdminKept(user.username)
        await self._store.user_cards.delete(user.id, by=actor.user_id, now=self._clock())
        return user

    async def _whole(self, actor: Actor, user_id: int, capability: Capability) -> User:
        """The person, when every group they are in is one of the caller's (admins:
        anyone). Someone in none of them is not found; someone also elsewhere needs an
        admin."""
        user = await self._reachable(actor, user_id, capability)
        if actor.is_admin:
            return user
        if await self._store.user_cards.group_ids(user.id) - actor.managed_group_ids:
            wanted = "delete them" if capability is Capability.DELETE_USER else "change it"
            raise BeyondYourGroups(user.username, wanted)
        return user

    async def _enrolment(self, user: User, course_id: int) -> Enrollment:
        for enrolment in await self._store.users.enrollments(user.id):
            if enrolment.course.id == course_id:
                return enrolment
        course = await self._store.courses.get(course_id)
        raise NotEnrolled(user.username, course.title if course else f"#{course_id}")

    async def _reachable(self, actor: Actor, user_id: int, capability: Capability) -> User:
        require(actor, capability)
        user = await self._store.users.get(user_id)
        return await self._reach(actor, user, f"#{user_id}", capability)

    async def _reach(
        self, actor: Actor, user: User | None, name: str, capability: Capability
    ) -> User:
        """The person, when the caller may act on them with ``capability``: in one of
        the caller's groups (admins: anyone). Anyone else is not found."""
        if user is None:
            raise PersonNotFound(name)
        if actor.is_admin:
            return user
        groups = await self._store.user_cards.group_ids(user.id)
        if not groups & actor.managed_group_ids:
            raise PersonNotFound(name)
        return user

    async def _card(self, actor: Actor, user: User) -> UserCard:
        cards = self._store.user_cards
        fresh = await self._store.users.get(user.id) or user
        groups = await cards.memberships(user.id)
        shown = (
            groups
            if actor.is_admin
            else [g for g in groups if g.group_id in actor.managed_group_ids]
        )
        card = UserCard(
            user=fresh,
            profile=await cards.profile(user.id),
            groups=tuple(shown),
            enrollments=tuple(await self._store.users.enrollments(user.id)),
            emails=tuple(await cards.emails(user.id, limit=RECENT)),
            activity=tuple(await cards.activity(user.id, limit=RECENT)),
            changes=tuple(await cards.changes(user.id, limit=RECENT)),
        )
        may = _may(actor)
        if self._is_admin(fresh):
            may -= {Capability.DELETE_USER}
        return replace(card, may=may)

    def _is_admin(self, user: User) -> bool:
        return user.is_admin or (user.slack_user_id or "") in self._env_admins


def _may(actor: Actor) -> frozenset[Capability]:
    """What the card offers: the caller reached the person through one of their
    groups, so the capability itself decides (each action checks again)."""
    return frozenset(c for c in CARD_ACTIONS if denial(actor, c) is None)


def _reason(value: str) -> str:
    """A progress change by hand must say why: the log is where a learner's record is
    explained later."""
    reason = normalize_reason(value)
    if not reason:
        raise InvalidInput(
            "reason", "the reason is empty", fix="say why, e.g. passed the exam on paper"
        )
    return reason


def _percent(value: str) -> int:
    text = value.strip().removesuffix("%").strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        shown = value.strip() or "nothing"
        raise InvalidInput(
            "progress", f"{shown!r} is not a whole number from 0 to 100", fix="type e.g. 60"
        )
    return int(text)


def _edit_detail(user: User, before: Profile, after: Edit) -> str:
    """What an edit changed, in words for the log; empty when nothing did."""
    parts = []
    for label, old, new in (
        ("username", user.username, after.username),
        ("first name", before.first_name, after.first_name),
        ("last name", before.last_name, after.last_name),
        ("tags", ", ".join(before.tags), ", ".join(after.tags)),
    ):
        if old != new:
            parts.append(f"{label}: {old or '(none)'} → {new or '(none)'}")
    return "; ".join(parts)
