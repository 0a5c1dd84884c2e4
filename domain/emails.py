"""Deciding, delivering and logging emails; the SMTP conversation itself is the bot's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.accounts import AccountService
from domain.clock import Clock, utc_now
from domain.entities import Actor, Course, Group, LinkPurpose, LoggedEmail, Page, User
from domain.errors import NotificationOff
from domain.events.model import Cause, EventType, SchoolEvent
from domain.letters import (
    INVITE_LINK,
    RESET_LINK,
    SWITCHABLE,
    TRIGGER_LABELS,
    Letters,
    MailState,
    OutgoingEmail,
    Trigger,
)
from domain.log_filter import LogFilter, parse_log_filter
from domain.permissions import Capability, require
from domain.ports import Store
from domain.school_time import school_now

DISABLED_KEY = "mail.disabled_triggers"
MAX_ATTEMPTS = 10
LOG_PAGE = 20
LINKS = {INVITE_LINK: (LinkPurpose.INVITATION, "invite"), RESET_LINK: (LinkPurpose.RESET, "reset")}
"""Each placeholder a stored email may hold: the link minted for it, and its path."""


@dataclass(frozen=True, slots=True)
class GroupEmails:
    """The emails to a group's members over a period: a scheduled report's body."""

    group: Group
    since: datetime
    until: datetime
    counts: dict[MailState, int]
    troubled: tuple[LoggedEmail, ...]
    """The newest :data:`LOG_PAGE` that failed or are still being retried."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def backoff(attempts: int, base: float = 5.0) -> timedelta:
    """5 s, 10 s, 20 s … (with the default base) up to an hour between tries."""
    return timedelta(seconds=min(base * 2**attempts, 3600))


@dataclass(frozen=True)
class Ready:
    """An email with its invitation link filled in, ready for SMTP."""

    email: LoggedEmail
    text: str
    html: str


class EmailService:
    def __init__(
        self,
        store: Store,
        letters: Letters,
        invitations: AccountService,
        *,
        retry_base: float = 5.0,
        delivering: bool = True,
        clock: Clock = utc_now,
    ) -> None:
        self.delivering = delivering
        """Whether a mail server is configured; without one, emails wait in the outbox."""
        self._store = store
        self.letters = letters
        self._invitations = invitations
        self._retry_base = retry_base
        self._clock = clock

    async def enabled(self) -> frozenset[Trigger]:
        """The notifications switched on; password links are sent whatever is stored."""
        disabled = set(await self._store.settings.get(DISABLED_KEY, []))
        return frozenset(t for t in Trigger if t not in SWITCHABLE or t.value not in disabled)

    async def switches(self, actor: Actor) -> frozenset[Trigger]:
        require(actor, Capability.MANAGE_NOTIFICATIONS)
        return await self.enabled()

    async def set_enabled(self, actor: Actor, triggers: Sequence[str]) -> frozenset[Trigger]:
        require(actor, Capability.MANAGE_NOTIFICATIONS)
        chosen = {Trigger(t) for t in triggers}
        await self._store.settings.put(
            DISABLED_KEY, sorted(t.value for t in SWITCHABLE if t not in chosen)
        )
        return await self.enabled()

    def for_new_member(
        self,
        enabled: frozenset[Trigger],
        user: User,
        group: Group,
        *,
        created: bool,
        enrolled: Sequence[Course],
    ) -> list[OutgoingEmail]:
        """What a person hears when added to a group: a new person gets one
        invitation that names the group and courses; someone already in the
        school hears about the group and, separately, new courses."""
        if created:
            emails = [self.letters.invitation(user, group, enrolled)]
        else:
            emails = [self.letters.added_to_group(user, group)]
            if enrolled:
                emails.append(self.letters.enrolled(user, enrolled))
        return [e for e in emails if e.trigger in enabled]

    async def resend_invitations(
        self, actor: Actor, group: Group, *, only: int | None = None
    ) -> list[User]:
        """Fresh invitations for members who never signed in (or one of them).

        Resending is a basic user action. Each email gets a new link when sent;
        links sent before keep working until they expire.
        """
        require(actor, Capability.BASIC_USER_ACTIONS, group)
        if Trigger.INVITATION not in await self.enabled():
            raise NotificationOff(TRIGGER_LABELS[Trigger.INVITATION])
        waiting = await self._store.members.never_signed_in(group.id)
        if only is not None:
            waiting = [u for u in waiting if u.id == only]
        emails = [self.letters.invitation(u, group, group.courses) for u in waiting]
        now, cause = self._clock(), Cause.hand(actor.user_id)
        invited = [SchoolEvent(EventType.USER_INVITED, now, cause, u.id, group.id) for u in waiting]
        await self._store.outbox.queue(emails, now, events=invited)
        return waiting

    async def claim(self, hold: timedelta, limit: int = 20) -> list[LoggedEmail]:
        """Emails due now, taken by this process for ``hold``: with several processes
        on one database, each email is sent by one of them, and one whose process
        died goes out when the hold runs out."""
        now = self._clock()
        return await self._store.outbox.claim(now, limit, now + hold)

    async def keep(self, email: LoggedEmail, hold: timedelta) -> bool:
        """Just before sending: still this process's, held for one more ``hold``, so
        a long round never outlives its claim and hands an email to a second sender."""
        return await self._store.outbox.keep(email.id, email.next_attempt_at, self._clock() + hold)

    async def ready(self, email: LoggedEmail) -> Ready:
        """Mints the link's token now, so the stored body never holds one."""
        text, page = email.text, email.html
        for placeholder, (purpose, path) in LINKS.items():
            if placeholder not in text or email.user_id is None:
                continue
            token = await self._invitations.mint(email.user_id, purpose)
            link = f"{self.letters.base_url}/{path}/{token}"
            text, page = text.replace(placeholder, link), page.replace(placeholder, link)
        return Ready(email, text, page)

    async def delivered(self, email: LoggedEmail) -> None:
        await self._store.outbox.mark(email.id, MailState.SENT, sent_at=self._clock())

    async def deferred(self, email: LoggedEmail, reason: str) -> None:
        """A temporary failure (4xx, connection): try again later, up to a limit."""
        if email.attempts + 1 >= MAX_ATTEMPTS:
            await self.rejected(email, f"gave up after {MAX_ATTEMPTS} attempts: {reason}")
            return
        await self._store.outbox.mark(
            email.id,
            MailState.RETRYING,
            error=reason,
            next_attempt_at=self._clock() + backoff(email.attempts, self._retry_base),
        )

    async def rejected(self, email: LoggedEmail, reason: str) -> None:
        """A permanent failure (5xx): kept with the server's reason, never retried."""
        await self._store.outbox.mark(email.id, MailState.FAILED, error=reason)

    async def waiting(self) -> int:
        return await self._store.outbox.waiting()

    async def tell_once(self, key: str) -> bool:
        """True the first time only, in one process only: for notices that must not nag."""
        return await self._store.settings.change(key, True)

    async def forget_told(self, key: str) -> None:
        await self._store.settings.put(key, False)

    async def to_group(
        self, actor: Actor, group: Group, *, since: datetime, until: datetime
    ) -> GroupEmails:
        """What became of the emails to the group's members; addresses and errors are
        the members' activity, so reading it needs *View activity history* there."""
        require(actor, Capability.VIEW_ACTIVITY, group)
        counts, troubled = await self._store.outbox.to_group(
            group.id, since=since, until=until, limit=LOG_PAGE
        )
        by_state = {MailState(state): n for state, n in counts.items()}
        return GroupEmails(group, since, until, by_state, tuple(troubled))

    async def log(
        self, actor: Actor, filters: Sequence[str] = (), *, offset: int = 0
    ) -> tuple[Page[LoggedEmail], LogFilter[Trigger]]:
        """The Emails log, newest first; ``filters`` are what was typed: a trigger
        and/or a time (``7d``, ``24h``, ``2026-11-01``), in any order."""
        require(actor, Capability.MANAGE_NOTIFICATIONS)
        triggers = {t.value: t for t in Trigger}
        now = await school_now(self._store, self._clock)
        chosen = parse_log_filter(filters, kinds=triggers, what="a trigger", now=now)
        since = chosen.since
        trigger = chosen.kind.value if chosen.kind else None
        page = await self._store.outbox.log(
            trigger=trigger, since=since, offset=offset, limit=LOG_PAGE
        )
        return page, chosen
