"""Certificates: issued by the course player or on completion, listed for managers,
revoked with a reason, and verified by anyone from a public link.

The public page shows the certificate as Roster keeps it and its status now
(valid, expired or revoked, and since when), so a PDF someone edited can't pass
for a valid one. Its link carries a random code of 128 bits, not the serial:
serials are printed on certificates and may follow a pattern."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.certificates.model import AlreadyRevoked, Certificate, CertificateNotFound
from domain.clock import Clock, utc_now
from domain.entities import Actor, Course, Group, Page, Scope
from domain.grading.model import parse_reason
from domain.permissions import Capability, require
from domain.ports import Store
from domain.throttle import Pace, Throttle

CERTIFICATES_PAGE = 15
AWARD_KEY = "certificates.award_courses"
"""School setting: ids of the courses that award a certificate on completion."""
VERIFY_CLIENT = Pace(
    Scope.VERIFY_CLIENT, 60, timedelta(seconds=1), timedelta(minutes=1), timedelta(minutes=10)
)
"""A verifier (an employer checking a stack of certificates) gets 60 lookups free,
then waits a second, doubling to a minute: enough for people, too slow to guess."""


class CertificateService:
    def __init__(self, store: Store, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock
        self._throttle = Throttle(store.attempts, clock)

    def now(self) -> datetime:
        return self._clock()

    async def listing(
        self,
        actor: Actor,
        group: Group,
        course: Course | None,
        *,
        search: str = "",
        offset: int = 0,
    ) -> Page[Certificate]:
        """Certificates of the group's members, newest first; ``search`` matches a
        holder's name or email, or a serial."""
        require(actor, Capability.CERTIFICATIONS, group)
        return await self._store.certificates.page(
            group.id,
            course.id if course else None,
            search=search.strip()[:100],
            offset=max(offset, 0),
            limit=CERTIFICATES_PAGE,
        )

    async def everything(
        self, actor: Actor, group: Group, course: Course | None
    ) -> Page[Certificate]:
        require(actor, Capability.CERTIFICATIONS, group)
        course_id = course.id if course else None
        return await self._store.certificates.page(
            group.id, course_id, search="", offset=0, limit=None
        )

    async def reachable(self, actor: Actor, certificate_id: int) -> Certificate:
        require(actor, Capability.CERTIFICATIONS)
        found = await self._store.certificates.get(certificate_id)
        groups = await self._store.certificates.holder_groups(certificate_id)
        if found is None or not (actor.is_admin or set(groups) & actor.managed_group_ids):
            raise CertificateNotFound(f"#{certificate_id}")
        return found

    async def revoke(self, actor: Actor, certificate_id: int, *, reason: str) -> Certificate:
        """Revoked for good, with the reason; the public page says so from now on."""
        found = await self.reachable(actor, certificate_id)
        why = parse_reason(reason, what="revoking a certificate")
        if found.revoked_at is not None:
            raise AlreadyRevoked(found)
        if not await self._store.certificates.revoke(
            certificate_id, reason=why, by=actor.user_id, now=self._clock()
        ):
            raise AlreadyRevoked(await self.reachable(actor, certificate_id))
        return await self.reachable(actor, certificate_id)

    async def verify(self, code: str, *, client: str) -> Certificate | None:
        """Anyone's lookup by the link's code, counted per client so codes can't be guessed."""
        await self._throttle.take([(VERIFY_CLIENT, client)])
        if not 10 <= len(code) <= 64:
            return None
        return await self._store.certificates.by_code(code)

    async def set_award(self, actor: Actor, course: Course, *, award: bool) -> bool:
        """Whether completing ``course`` earns a certificate from Roster."""
        require(actor, Capability.MANAGE_CATALOGUE)
        chosen = set(await self._store.settings.get(AWARD_KEY, []))
        chosen = chosen | {course.id} if award else chosen - {course.id}
        await self._store.settings.put(AWARD_KEY, sorted(chosen))
        return award

    async def of_learner(self, user_id: int) -> list[Certificate]:
        """A signed-in learner's own certificates, for their page."""
        return await self._store.certificates.of_user(user_id)
