"""Grants, the school default and the change log, on both engines."""

from __future__ import annotations

import pytest

from domain.entities import SlackProfile, User
from storage.store import TortoiseStore

SEEDED_DEFAULT = {"groups.view", "users.view", "users.manage.basic", "users.manage.create"}


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


async def _person(store: TortoiseStore, slack_id: str, email: str) -> User:
    return await store.users.link_slack(
        SlackProfile(slack_id, email, slack_id), email=email, admin=False
    )


async def _group(store: TortoiseStore, title: str, manager_ids: list[int], by: int | None):
    return await store.groups.create(
        title=title,
        key=title.casefold(),
        description="",
        seat_limit=None,
        course_ids=[],
        manager_ids=manager_ids,
        changed_by=by,
    )


async def test_a_new_database_starts_with_the_seeded_default(store: TortoiseStore) -> None:
    assert await store.permissions.defaults() == SEEDED_DEFAULT


async def test_a_first_assignment_copies_the_default_and_logs_who_did_it(
    store: TortoiseStore,
) -> None:
    admin = await _person(store, "UA", "ada@school.org")
    max_ = await _person(store, "UM", "max@school.org")
    await _group(store, "Sales", [max_.id], admin.id)
    assert await store.permissions.grants(max_.id) == SEEDED_DEFAULT
    [change] = await store.permissions.history(max_.id, limit=5)
    assert change.changed_by == admin and set(change.granted) == SEEDED_DEFAULT
    assert change.note == "school default on assignment to Sales"


async def test_a_manager_set_once_keeps_it_when_assigned_again(store: TortoiseStore) -> None:
    max_ = await _person(store, "UM", "max@school.org")
    group = await _group(store, "Sales", [max_.id], None)
    await store.permissions.replace(max_.id, ["gradebook.manage"], changed_by=None, note="x")
    await store.groups.set_managers(group.id, [], changed_by=None)
    await store.permissions.replace(None, ["users.view"], changed_by=None, note="new default")
    await store.groups.set_managers(group.id, [max_.id], changed_by=None)
    assert await store.permissions.grants(max_.id) == {"gradebook.manage"}


async def test_a_replace_logs_exactly_the_difference_and_nothing_when_equal(
    store: TortoiseStore,
) -> None:
    admin = await _person(store, "UA", "ada@school.org")
    before = await store.permissions.defaults()
    wanted = (before - {"users.view"}) | {"review.manage"}
    change = await store.permissions.replace(None, wanted, changed_by=admin.id, note="edit")
    assert change is not None
    assert (change.granted, change.revoked) == (("review.manage",), ("users.view",))
    assert await store.permissions.replace(None, wanted, changed_by=admin.id, note="") is None
    history = await store.permissions.history(None, limit=5)
    assert [h.granted for h in history] == [("review.manage",)]
