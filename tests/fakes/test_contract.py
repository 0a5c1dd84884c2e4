"""The fakes keep storage's contract: each scenario runs on a fake store and on the
real one (SQLite and PostgreSQL), and both must answer alike.

A scenario returns what a caller could observe, with ids left out (the fake
numbers rows its own way); the assertions inside it say what that must be.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar, cast

import pytest

from domain.entities import Course, Group, Joined, Leaving, SlackProfile, User, UserStatus
from domain.errors import TitleTaken
from domain.events.model import SYSTEM
from domain.letters import Layout, Letter, OutgoingEmail, Trigger
from domain.ports import Store
from domain.rules.model import Catalogue
from domain.rules.parser import parse
from storage.store import TortoiseStore
from tests.fakes import FakeStore

T = TypeVar("T")


class Alike:
    async def __call__(self, scenario: Callable[[Store], Awaitable[T]]) -> T:
        """Runs the scenario on both stores and returns what they agreed on."""
        # cast: mypy reads the frozen dataclass's ports as read-only where Store declares
        # settable ones; each of its stores matches its port.
        real = await scenario(cast(Store, TortoiseStore()))
        assert await scenario(FakeStore()) == real
        return real


@pytest.fixture
def alike(connected: str) -> Alike:
    return Alike()


def welcome(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
    trigger = Trigger.INVITATION if created else Trigger.MEMBERSHIP_ADDED
    titles = ", ".join(c.title for c in enrolled)
    return [
        OutgoingEmail(
            user.email,
            f"Hi {titles}",
            Letter(Layout.NOTICE, "Ada", "text", "School"),
            trigger,
            user.id,
        )
    ]


def broken(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
    return [
        OutgoingEmail(
            user.email,
            "a\nb",
            Letter(Layout.NOTICE, "Ada", "", "School"),
            Trigger.INVITATION,
            user.id,
        )
    ]


async def group(
    store: Store,
    title: str,
    *,
    seats: int | None = None,
    courses: Sequence[Course] = (),
    managers: Sequence[User] = (),
) -> Group:
    return await store.groups.create(
        title=title,
        key=title.casefold(),
        description="",
        seat_limit=seats,
        course_ids=[c.id for c in courses],
        manager_ids=[m.id for m in managers],
        changed_by=None,
    )


async def add_by_rule(store: Store, group: Group, user: User) -> None:
    """The group's rule adds them: the real rule store's run, or the fake's stand-in."""
    if isinstance(store, FakeStore):
        store.add_by_rule(group.id, user)
        return
    text = f'email = "{user.email}"'
    saved = await store.rules.draft(group_id=group.id, name="", text=text, created_by=None)
    rule = parse(text, Catalogue({}, {}))
    now = datetime.now(UTC)
    await store.rules.apply(
        saved.id,
        group.id,
        rule,
        now,
        user_ids=[user.id],
        cause="rule",
        compose=welcome,
    )


def joined(j: Joined) -> tuple[object, ...]:
    user = (j.user.email, j.user.username, j.user.status) if j.user else None
    courses = ([c.title for c in j.enrolled], [c.title for c in j.kept])
    return (user, j.created, j.already, j.full, *courses)


def shown(g: Group | None) -> tuple[object, ...] | None:
    if g is None:
        return None
    managers = [m.email for m in g.managers]
    return (g.title, g.seat_limit, [c.title for c in g.courses], managers, g.member_count)


async def outbox(store: Store) -> list[tuple[str, str, str]]:
    page = await store.outbox.log(trigger=None, since=None, offset=0, limit=100)
    return [(e.to, e.trigger, e.subject) for e in reversed(page.items)]


async def test_adding_members_enrols_them_queues_their_emails_and_respects_seats(
    alike: Alike,
) -> None:
    async def scenario(store: Store) -> object:
        python = await store.courses.create(title="Python", key="python")
        sql = await store.courses.create(title="SQL", key="sql")
        await store.users.create(email="old@x.org", username="Old Name", status=UserStatus.ACTIVE)
        first = await group(store, "First", courses=[python])
        cohort = await group(store, "Cohort", seats=2, courses=[sql, python])
        steps = []
        for target, email, username in [
            (first, "old@x.org", "ignored"),
            (cohort, "old@x.org", "ignored"),
            (cohort, "new@x.org", "New One"),
            (cohort, "late@x.org", "Late"),
            (cohort, "old@x.org", "again"),
        ]:
            added = await store.members.add(
                group_id=target.id, email=email, username=username, compose=welcome, cause=SYSTEM
            )
            steps.append(joined(added))
        now = datetime.now(UTC)
        page = await store.members.page(group_id=cohort.id, offset=0, limit=10, now=now)
        rows = [(r.user.email, [c.title for c in r.courses], r.by_rule) for r in page.items]
        late = await store.users.by_email("late@x.org")
        found = shown(await store.groups.find_by_key("cohort"))
        return steps, rows, late, found, await outbox(store)

    old = ("old@x.org", "Old Name", UserStatus.ACTIVE)
    assert await alike(scenario) == (
        [
            (old, False, False, False, ["Python"], []),
            (old, False, False, False, ["SQL"], ["Python"]),
            (
                ("new@x.org", "New One", UserStatus.INVITED),
                True,
                False,
                False,
                ["Python", "SQL"],
                [],
            ),
            (None, False, False, True, [], []),
            (old, False, True, False, [], []),
        ],
        [("old@x.org", ["Python", "SQL"], False), ("new@x.org", ["Python", "SQL"], False)],
        None,
        ("Cohort", 2, ["Python", "SQL"], [], 2),
        [
            ("old@x.org", "membership_added", "Hi Python"),
            ("old@x.org", "membership_added", "Hi SQL"),
            ("new@x.org", "invitation", "Hi Python, SQL"),
        ],
    )


async def test_an_add_whose_emails_fail_leaves_nothing_behind(
    alike: Alike,
) -> None:
    async def scenario(store: Store) -> object:
        python = await store.courses.create(title="Python", key="python")
        cohort = await group(store, "Cohort", courses=[python])
        with pytest.raises(ValueError, match="line break"):
            await store.members.add(
                group_id=cohort.id, email="a@x.org", username="a", compose=broken, cause=SYSTEM
            )
        return (
            await store.users.by_email("a@x.org"),
            shown(await store.groups.get(cohort.id)),
            await outbox(store),
        )

    assert await alike(scenario) == (None, ("Cohort", None, ["Python"], [], 0), [])


async def test_only_members_added_by_hand_are_removed_by_hand(
    alike: Alike,
) -> None:
    async def scenario(store: Store) -> object:
        cohort = await group(store, "Cohort")
        ruled = await store.users.create(email="rule@x.org", username="r", status=UserStatus.ACTIVE)
        await add_by_rule(store, cohort, ruled)
        await store.members.add(
            group_id=cohort.id, email="hand@x.org", username="h", compose=welcome, cause=SYSTEM
        )
        outcomes = []
        for email in ("rule@x.org", "hand@x.org", "hand@x.org", "nobody@x.org"):
            left, user = await store.members.remove(group_id=cohort.id, email=email, cause=SYSTEM)
            outcomes.append((left, user.email if user else None))
        page = await store.members.page(
            group_id=cohort.id, offset=0, limit=10, now=datetime.now(UTC)
        )
        return outcomes, [(r.user.email, r.by_rule) for r in page.items]

    assert await alike(scenario) == (
        [
            (Leaving.BY_RULE, "rule@x.org"),
            (Leaving.REMOVED, "hand@x.org"),
            (Leaving.NOT_A_MEMBER, "hand@x.org"),
            (Leaving.NOT_A_MEMBER, None),
        ],
        [("rule@x.org", True)],
    )


async def test_titles_are_unique_by_key_and_groups_are_found_by_it(
    alike: Alike,
) -> None:
    async def scenario(store: Store) -> object:
        sales = await group(store, "Sales", seats=5)
        with pytest.raises(TitleTaken) as caught:
            await group(store, "SALES")
        clash = (
            caught.value.title,
            caught.value.existing_title,
            caught.value.existing_id == sales.id,
        )
        other = await group(store, "Support")
        with pytest.raises(TitleTaken):
            await store.groups.update(
                other.id, title="sales", key="sales", description="", seat_limit=None
            )
        renamed = await store.groups.update(
            other.id, title="SUPPORT", key="support", description="d", seat_limit=None
        )
        titles = sorted(await store.groups.titles(None))
        return (
            clash,
            shown(await store.groups.find_by_key("sales")),
            await store.groups.find_by_key("nope"),
            shown(renamed),
            titles,
        )

    assert await alike(scenario) == (
        ("SALES", "Sales", True),
        ("Sales", 5, [], [], 0),
        None,
        ("SUPPORT", None, [], [], 0),
        ["SUPPORT", "Sales"],
    )


async def test_new_managers_get_the_school_default_once(
    alike: Alike,
) -> None:
    async def scenario(store: Store) -> object:
        admin = await store.users.link_slack(
            SlackProfile("UA", "a@x.org", "A"), email="a@x.org", admin=True
        )
        await store.permissions.replace(
            None, ["groups.view", "users.view"], changed_by=admin.id, note="set"
        )
        ana = await store.users.link_slack(
            SlackProfile("UM", "ana@x.org", "Ana"), email="ana@x.org", admin=False
        )
        first = await group(store, "First", managers=[ana])
        after_first = sorted(await store.permissions.grants(ana.id))
        await store.permissions.replace(ana.id, ["groups.view"], changed_by=admin.id, note="less")
        second = await group(store, "Second")
        await store.groups.set_managers(second.id, [ana.id], changed_by=admin.id)
        history = await store.permissions.history(ana.id, limit=5)
        changes = [
            (c.granted, c.revoked, c.note, c.changed_by.email if c.changed_by else None)
            for c in history
        ]
        managed = await store.users.managed_group_ids(ana.id) == {first.id, second.id}
        roles = await store.users.roles(ana.id) == (
            {first.id, second.id},
            await store.permissions.grants(ana.id),
        )
        return after_first, sorted(await store.permissions.grants(ana.id)), changes, managed, roles

    assert await alike(scenario) == (
        ["groups.view", "users.view"],
        ["groups.view"],
        [
            ((), ("users.view",), "less", "a@x.org"),
            (("groups.view", "users.view"), (), "school default on assignment to First", None),
        ],
        True,
        True,
    )


async def test_a_segment_pages_the_members_who_meet_its_rule(alike: Alike) -> None:
    async def scenario(store: Store) -> object:
        python = await store.courses.create(title="Python", key="python")
        cohort = await group(store, "Cohort")
        await store.members.add(
            group_id=cohort.id, email="b@a.org", username="b", compose=welcome, cause=SYSTEM
        )
        await store.groups.set_courses(cohort.id, [python.id])
        for email in ("c@a.org", "d@z.org", "e@a.org"):
            await store.members.add(
                group_id=cohort.id, email=email, username="x", compose=welcome, cause=SYSTEM
            )
        rule = parse('domain = "a.org" and enrolled "Python"', Catalogue({"python": "Python"}, {}))
        now = datetime.now(UTC)
        page = await store.members.page(group_id=cohort.id, offset=1, limit=1, only=rule, now=now)
        return page.total, [r.user.email for r in page.items]

    assert await alike(scenario) == (2, ["e@a.org"])
