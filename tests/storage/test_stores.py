"""The stores on both engines: uniqueness, locking and set-based reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from domain.entities import Actor, Course, User
from domain.errors import CourseNotFound, GroupNotFound, TitleTaken
from domain.events.model import SYSTEM
from domain.letters import Layout, Letter, OutgoingEmail, Trigger
from storage.models import CourseRow, MembershipRow, OutboxRow
from storage.store import TortoiseStore

ADMIN = Actor("UA", None, is_admin=True)


def no_mail(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
    return []


def one_mail(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
    return [
        OutgoingEmail(
            user.email,
            "Welcome",
            Letter(Layout.NOTICE, "Ada", "text", "School"),
            Trigger.INVITATION,
            user.id,
        )
    ]


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


async def _group(store: TortoiseStore, title: str, seats: int | None = None):
    return await store.groups.create(
        title=title,
        key=title.casefold(),
        description="",
        seat_limit=seats,
        course_ids=[],
        manager_ids=[],
        changed_by=None,
    )


async def test_a_clashing_title_key_becomes_title_taken(store: TortoiseStore) -> None:
    first = await _group(store, "Sales")
    with pytest.raises(TitleTaken) as caught:
        await _group(store, "SALES")
    assert (caught.value.existing_title, caught.value.existing_id) == ("Sales", first.id)


async def test_concurrent_adds_never_overfill_a_group(store: TortoiseStore) -> None:
    group = await _group(store, "Tiny", seats=3)
    results = await asyncio.gather(
        *(
            store.members.add(
                group_id=group.id,
                email=f"p{i}@x.org",
                username=f"p{i}",
                compose=no_mail,
                cause=SYSTEM,
            )
            for i in range(8)
        ),
    )
    assert sum(r.full for r in results) == 5
    assert await MembershipRow.filter(group_id=group.id).count() == 3


async def test_pages_count_members_and_read_courses_per_page(store: TortoiseStore) -> None:
    course = await store.courses.create(title="Python", key="python")
    group = await _group(store, "Cohort")
    await store.groups.set_courses(group.id, [course.id])
    for i in range(25):
        await store.members.add(
            group_id=group.id,
            email=f"m{i:02d}@x.org",
            username=f"m{i}",
            compose=no_mail,
            cause=SYSTEM,
        )
    page = await store.members.page(group_id=group.id, offset=20, limit=20, now=datetime.now(UTC))
    assert (page.total, len(page.items), page.has_next, page.has_previous) == (25, 5, False, True)
    assert all(row.courses == (course,) for row in page.items)
    dashboard = await store.groups.page(group_ids=None, offset=0, limit=10)
    assert dashboard.items[0].member_count == 25
    assert dashboard.items[0].courses == (course,)


async def test_deleting_a_group_keeps_its_users(store: TortoiseStore) -> None:
    group = await _group(store, "Gone")
    joined = await store.members.add(
        group_id=group.id, email="stay@x.org", username="stay", compose=no_mail, cause=SYSTEM
    )
    assert joined.user is not None
    user = joined.user
    await store.groups.delete(group.id)
    assert await store.groups.get(group.id) is None
    assert await store.users.by_slack_id("nobody") is None
    assert not await MembershipRow.filter(user_id=user.id).exists()


async def test_an_add_queues_its_email_in_the_same_transaction(store: TortoiseStore) -> None:
    group = await _group(store, "Tiny", seats=1)
    await store.members.add(
        group_id=group.id, email="a@x.org", username="a", compose=one_mail, cause=SYSTEM
    )
    full = await store.members.add(
        group_id=group.id, email="b@x.org", username="b", compose=one_mail, cause=SYSTEM
    )
    assert full.full and full.user is None
    assert await OutboxRow.all().values_list("to_address", flat=True) == ["a@x.org"]


async def test_a_course_or_group_deleted_meanwhile_is_a_domain_error(store: TortoiseStore) -> None:
    course = await store.courses.create(title="Python", key="python")
    group = await _group(store, "Gone soon")
    await CourseRow.filter(id=course.id).delete()
    with pytest.raises(CourseNotFound):
        await store.groups.set_courses(group.id, [course.id])
    with pytest.raises(CourseNotFound):
        await store.groups.create(
            title="New",
            key="new",
            description="",
            seat_limit=None,
            course_ids=[course.id],
            manager_ids=[],
            changed_by=None,
        )
    await store.groups.delete(group.id)
    with pytest.raises(GroupNotFound):
        await store.groups.set_managers(group.id, [], changed_by=None)
