"""Saved rules on both engines: compare-and-set saving, scoped runs, manual members kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from domain.entities import Course, User, UserStatus
from domain.events.model import SYSTEM
from domain.letters import Layout, Letter, OutgoingEmail, Trigger
from domain.rules.model import Attr, Condition, Op, RuleState
from storage.models import MembershipRow, OutboxRow, RuleEventRow
from storage.store import TortoiseStore

NOW = datetime(2026, 11, 29, tzinfo=UTC)
ACME = Condition(Attr.DOMAIN, Op.EQUALS, "acme.com")


def welcome(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
    return [
        OutgoingEmail(
            user.email,
            "Added",
            Letter(Layout.NOTICE, "Ada", "text", "School"),
            Trigger.MEMBERSHIP_ADDED,
        )
    ]


@pytest.fixture
def store(connected: str) -> TortoiseStore:
    return TortoiseStore()


async def _school(store: TortoiseStore) -> int:
    """A group "Acme" with one manual member from elsewhere; three acme.com people."""
    group = await store.groups.create(
        title="Acme",
        key="acme",
        description="",
        seat_limit=None,
        course_ids=[],
        manager_ids=[],
        changed_by=None,
    )
    for email in ("ann@acme.com", "bob@acme.com", "cy@acme.com", "dee@other.org"):
        await store.users.create(
            email=email, username=email.split("@")[0], status=UserStatus.INVITED
        )
    await store.members.add(
        group_id=group.id,
        email="dee@other.org",
        username="dee",
        compose=lambda *_: [],
        cause=SYSTEM,
    )
    return group.id


async def _members(group_id: int) -> dict[str, str]:
    rows = await MembershipRow.filter(group_id=group_id).prefetch_related("user")
    return {r.user.email: r.source for r in rows}


async def test_saving_is_compare_and_set_and_replaces_the_rule_before(
    store: TortoiseStore,
) -> None:
    group_id = await _school(store)
    first = await store.rules.draft(group_id=group_id, name="", text="a", created_by=None)
    second = await store.rules.draft(group_id=group_id, name="", text="b", created_by=None)
    assert (await store.rules.activate(first.id, NOW)).state is RuleState.ACTIVE
    saved = await asyncio.gather(*(store.rules.activate(second.id, NOW) for _ in range(3)))
    assert sum(s is not None for s in saved) == 1
    assert (await store.rules.get(first.id)).state is RuleState.REPLACED
    assert (await store.rules.active_for_group(group_id)).text == "b"
    assert await store.rules.cancel(second.id) is None


async def test_a_run_adds_and_removes_only_rule_members_with_their_emails_and_events(
    store: TortoiseStore,
) -> None:
    group_id = await _school(store)
    draft = await store.rules.draft(group_id=group_id, name="", text="-", created_by=None)
    run = await store.rules.apply(
        draft.id, group_id, ACME, NOW, user_ids=None, cause="saved", compose=welcome
    )
    assert sorted(u.email for u in run.added) == ["ann@acme.com", "bob@acme.com", "cy@acme.com"]
    assert await _members(group_id) == {
        "dee@other.org": "manual",
        "ann@acme.com": "rule",
        "bob@acme.com": "rule",
        "cy@acme.com": "rule",
    }
    assert await OutboxRow.filter(trigger="membership_added").count() == 3
    narrower = Condition(Attr.USERNAME, Op.EQUALS, "ann")
    run = await store.rules.apply(
        draft.id,
        group_id,
        narrower,
        NOW,
        user_ids=None,
        cause="changed",
        compose=welcome,
    )
    assert (len(run.added), sorted(u.email for u in run.removed)) == (
        0,
        ["bob@acme.com", "cy@acme.com"],
    )
    assert await _members(group_id) == {"dee@other.org": "manual", "ann@acme.com": "rule"}
    events = await RuleEventRow.all().order_by("id").values_list("email", "change", "cause")
    assert events[-2:] == [
        ("bob@acme.com", "removed", "changed"),
        ("cy@acme.com", "removed", "changed"),
    ]
    saved = await store.rules.get(draft.id)
    assert (saved.last_added, saved.last_removed, saved.last_run_at) == (0, 2, NOW)


async def test_a_scoped_run_touches_only_the_users_named(store: TortoiseStore) -> None:
    group_id = await _school(store)
    draft = await store.rules.draft(group_id=group_id, name="", text="-", created_by=None)
    bob = await store.users.by_email("bob@acme.com")
    run = await store.rules.apply(
        draft.id,
        group_id,
        ACME,
        NOW,
        user_ids=[bob.id],
        cause="bob changed",
        compose=welcome,
    )
    assert [u.email for u in run.added] == ["bob@acme.com"]
    assert set(await _members(group_id)) == {"dee@other.org", "bob@acme.com"}
    assert (await store.rules.get(draft.id)).last_run_at is None


async def test_ending_a_rule_keeps_its_members_as_manual_ones(store: TortoiseStore) -> None:
    group_id = await _school(store)
    draft = await store.rules.draft(group_id=group_id, name="", text="-", created_by=None)
    await store.rules.activate(draft.id, NOW)
    await store.rules.apply(
        draft.id, group_id, ACME, NOW, user_ids=None, cause="-", compose=welcome
    )
    assert (await store.rules.end(group_id, by=None, now=NOW)).state is RuleState.REPLACED
    assert set((await _members(group_id)).values()) == {"manual"}
    assert await store.rules.end(group_id, by=None, now=NOW) is None


async def test_a_preview_counts_without_changing_anything(store: TortoiseStore) -> None:
    group_id = await _school(store)
    preview = await store.rules.preview(group_id, ACME, NOW, limit=2)
    assert (preview.matching, preview.added, preview.removed, preview.manual_kept) == (3, 3, 0, 1)
    assert [u.email for u in preview.first_added] == ["ann@acme.com", "bob@acme.com"]
    assert await _members(group_id) == {"dee@other.org": "manual"}
