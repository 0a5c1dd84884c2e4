"""EmailService on the fake store: notification switches, resending and the Emails log."""

from __future__ import annotations

import pytest

from domain.errors import DenialReason, NotificationOff, PermissionDenied
from domain.letters import ALWAYS_SENT, SWITCHABLE, Trigger
from domain.permissions import Capability
from tests.fakes.school import School


def all_but(*off: Trigger) -> list[str]:
    return [t.value for t in SWITCHABLE if t not in off]


async def test_every_notification_is_on_until_an_admin_switches_it_off() -> None:
    school = School()
    assert await school.emails.switches(await school.admin()) == frozenset(Trigger)


@pytest.mark.parametrize("off", [Trigger.INVITATION, Trigger.MEMBERSHIP_ADDED])
async def test_a_switched_off_notification_queues_nothing(off: Trigger) -> None:
    school = School()
    admin = await school.admin()
    await school.emails.set_enabled(admin, all_but(off))
    await school.members.add(admin, await school.group("First"), email="ada@school.org")
    await school.members.add(admin, await school.group("Second"), email="ada@school.org")
    sent = [e.trigger for e in await school.outbox()]
    assert sent == [t for t in ("invitation", "membership_added") if t != off]


async def test_the_course_email_is_its_own_switch() -> None:
    school = School()
    admin = await school.admin()
    await school.members.add(admin, await school.group("First"), email="ada@school.org")
    await school.emails.set_enabled(admin, all_but(Trigger.COURSE_ENROLLMENT))
    group = await school.group("Second", await school.course("Python"))
    added = await school.members.add(admin, group, email="ada@school.org")
    assert [c.title for c in added.enrolled] == ["Python"]
    assert [e.trigger for e in await school.outbox()] == ["invitation", "membership_added"]


async def test_password_links_and_the_admins_notices_cannot_be_switched_off() -> None:
    school = School()
    enabled = await school.emails.set_enabled(await school.admin(), [])
    assert enabled == set(ALWAYS_SENT)
    assert Trigger.PASSWORD_RESET in enabled


async def test_resending_invitations_is_refused_while_invitations_are_off() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    await school.members.add(admin, group, email="ada@school.org")
    await school.emails.set_enabled(admin, all_but(Trigger.INVITATION))
    with pytest.raises(NotificationOff):
        await school.emails.resend_invitations(admin, group)
    assert len(await school.outbox()) == 1


async def test_invitations_are_resent_to_members_who_never_signed_in() -> None:
    school = School()
    admin = await school.admin()
    group = await school.group("Sales")
    for email in ("bo@school.org", "ada@school.org"):
        await school.members.add(admin, group, email=email)
    resent = await school.emails.resend_invitations(admin, group)
    assert [u.email for u in resent] == ["ada@school.org", "bo@school.org"]
    assert [e.trigger for e in await school.outbox()] == ["invitation"] * 4


async def test_only_admins_switch_notifications_and_read_the_log() -> None:
    school = School()
    group = await school.group("Sales")
    manager = await school.manager("UM", group, Capability.MANAGE_USERS)
    with pytest.raises(PermissionDenied) as caught:
        await school.emails.set_enabled(manager, [])
    assert caught.value.reason is DenialReason.ADMIN_ONLY
    with pytest.raises(PermissionDenied):
        await school.emails.log(manager)
    assert await school.emails.enabled() == frozenset(Trigger)


async def test_the_emails_log_is_newest_first_and_filters_by_trigger() -> None:
    school = School()
    admin = await school.admin()
    await school.members.add(admin, await school.group("First"), email="ada@school.org")
    await school.members.add(admin, await school.group("Second"), email="ada@school.org")
    page, _ = await school.emails.log(admin)
    assert [e.trigger for e in page.items] == ["membership_added", "invitation"]
    page, chosen = await school.emails.log(admin, ["invitation"])
    assert (chosen.kind, page.total) == (Trigger.INVITATION, 1)
