"""Rule-based groups and segments through Slack: preview, save, stay true, re-evaluate."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.entities import SlackProfile
from slack_emulator.state import Message
from storage.models import CourseRow, MembershipRow, RuleEventRow
from storage.sql import execute
from tests.bot.activity import post
from tests.bot.conftest import ADMIN, MANAGER, Roster, allow_bulk
from tests.bot.uploads import (
    direct_channel,
    in_thread,
    review,
    send_for_approval,
    text_of,
    thread,
    upload,
)
from tests.waiting import eventually
from tests.workbooks import workbook

ACME = ("ann@acme.com", "bob@acme.com", "cy@acme.com")


@pytest.fixture
async def acme(school: Roster) -> Roster:
    """Three acme.com people and one other in Support; an empty group "Acme" for the
    rule, managed by MANAGER."""
    for email in ACME:
        assert "Added" in await school.run(ADMIN, f"add Support {email}")
    assert "Added" in await school.run(ADMIN, "add Support dee@other.org")
    assert "Created" in await school.run(ADMIN, "create Acme")
    assert "now manages" in await school.run(ADMIN, f"managers Acme add @{MANAGER}")
    return school


async def members(group: str) -> dict[str, str]:
    rows = await MembershipRow.filter(group__title=group).prefetch_related("user")
    return {r.user.email: r.source for r in rows}


def directs(roster: Roster, user: str) -> list[Message]:
    return [
        m
        for m in roster.slack.messages
        if m.channel == direct_channel(user) and m.thread_ts is None
    ]


async def preview_of(roster: Roster, user: str, before: int) -> Message:
    await roster.slack.wait_for(lambda: len(directs(roster, user)) > before, timeout=20)
    return directs(roster, user)[-1]


async def set_rule(roster: Roster, group: str, rule: str, *, user: str = ADMIN) -> Message:
    before = len(directs(roster, user))
    reply = await roster.run(user, f'rule "{group}" set {rule}')
    assert "The preview is in your direct messages" in reply, reply
    return await preview_of(roster, user, before)


async def preview_file(roster: Roster, preview: Message) -> list[list[Any]]:
    def shared() -> list[str]:
        return [f for m in thread(roster, preview) for f in m.files]

    content = roster.slack.files[(await roster.slack.wait_for(shared))[0]].content
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(content))["People"].iter_rows()]


async def save(roster: Roster, preview: Message, *, user: str = ADMIN) -> Message:
    assert (await roster.driver.click(user, preview, "rules.save")).status == 200
    return await in_thread(roster, preview, "Done:")


async def let_manager(roster: Roster, *capabilities: str) -> None:
    """MANAGER holds exactly these capabilities (in the groups they manage)."""
    services = roster.services
    admin = await services.users.actor(ADMIN)
    manager = await services.permissions.subject(
        admin, SlackProfile(MANAGER, "max@school.org", "Max")
    )
    await services.permissions.save(admin, manager, list(capabilities))


def requests(roster: Roster) -> list[Message]:
    return [m for m in directs(roster, ADMIN) if "rules.review.open" in str(m.blocks)]


async def ask_approval(roster: Roster, preview: Message, *, user: str = MANAGER) -> Message:
    """The manager's Send for approval; the admin's request it brings."""
    before = len(requests(roster))
    assert (await roster.driver.click(user, preview, "rules.save")).status == 200
    await roster.slack.wait_for(lambda: len(requests(roster)) > before)
    return requests(roster)[-1]


async def decide(
    roster: Roster, request: Message, decision: str = "approve", reason: str | None = None
) -> tuple[str, str]:
    """The admin reviews: (what the modal showed, what it says after the decision)."""
    modal = await (await roster.driver.click(ADMIN, request, "rules.review.open")).modal()
    shown = "\n".join(str(b) for b in modal.body["blocks"])
    if "'block_id': 'decision'" not in shown:
        return shown, shown
    submitted = await roster.driver.submit(ADMIN, modal, {"decision": decision, "reason": reason})
    assert submitted.status == 200
    if submitted.ack.get("response_action") == "errors":
        return shown, str(submitted.ack["errors"])
    return shown, "\n".join(str(b) for b in modal.body["blocks"])


async def test_a_text_rule_is_previewed_then_saved_and_applied(acme: Roster) -> None:
    preview = await set_rule(acme, "Acme", 'email endswith "@acme.com" and not username = "cy"')
    shown = text_of(preview)
    assert "Preview of the rule for Acme" in shown
    assert "email ends with “@acme.com” and not (username equals “cy”)" in shown
    assert "*2* people match. Saving adds *2* and removes *0*." in shown
    assert "ann (ann@acme.com), bob (bob@acme.com)" in shown
    rows = await preview_file(acme, preview)
    assert rows == [
        ["change", "email", "username", "status"],
        ["would be added", "ann@acme.com", "ann", "invited"],
        ["would be added", "bob@acme.com", "bob", "invited"],
    ]
    assert await members("Acme") == {}

    done = await save(acme, preview)
    assert "Done: the rule for *Acme* added *2* and removed *0*." in done.text
    posted = [c.args.get("text", "") for c in acme.slack.calls_to("chat.postMessage")]
    assert any("Evaluating the rule for *Acme*" in text for text in posted)
    assert done.edits == 1
    assert await members("Acme") == {"ann@acme.com": "rule", "bob@acme.com": "rule"}
    assert "Saved by <@U0THEADMIN>" in text_of(preview)
    listed = await acme.run(ADMIN, "members Acme")
    assert listed.count("by rule") == 2

    summary = await acme.run(MANAGER, "rule Acme")
    assert "email ends with “@acme.com” and not (username equals “cy”)" in summary
    assert "Last evaluated for everyone" in summary and "it added 2 and removed 0" in summary
    assert "ann@acme.com (rule saved by ada)" in summary
    events = await RuleEventRow.filter(change="added").count()
    assert events == 2


async def test_a_mistake_points_at_where_it_is_and_changes_nothing(acme: Roster) -> None:
    reply = await acme.run(ADMIN, 'rule Acme set email endswith "@acme.com" and tag inn ["a"]')
    assert "At character 36" in reply
    assert "expected an operator" in reply and "found `inn`" in reply
    unknown = await acme.run(ADMIN, 'rule Acme set completed "Cooking"')
    assert "there is no course “Cooking”." in unknown
    assert "`/group course list` shows the catalogue." in unknown
    assert await members("Acme") == {}


async def test_the_form_builds_the_rule_and_cancel_changes_nothing(acme: Roster) -> None:
    modal = await (await acme.driver.command(ADMIN, "rule Acme edit")).modal()
    bad = await acme.driver.submit(
        ADMIN,
        modal,
        {"rule_row0.attr": "created", "rule_row0.op": "before", "rule_row0.value": "soon"},
    )
    assert bad.ack["errors"] == {"rule_row0.value": "write a date such as 2026-01-31."}
    before = len(directs(acme, ADMIN))
    good = await acme.driver.submit(
        ADMIN,
        modal,
        {
            "rule_row0.attr": "domain",
            "rule_row0.op": "equals",
            "rule_row0.value": "acme.com",
            "rule_match_second": "any",
            "rule_row3.attr": "username",
            "rule_row3.op": "in",
            "rule_row3.value": "ann, cy",
            "rule_row4.attr": "status",
            "rule_row4.op": "not",
            "rule_row4.value": "invited",
        },
    )
    assert good.status == 200 and not good.ack
    preview = await preview_of(acme, ADMIN, before)
    assert (
        "email domain equals “acme.com” and (username is one of “ann”, “cy” or "
        "not (status equals “invited”))" in text_of(preview)
    )
    assert "Saving adds *2*" in text_of(preview)
    assert (await acme.driver.click(ADMIN, preview, "rules.cancel")).status == 200
    await acme.slack.wait_for(lambda: "Cancelled by" in text_of(preview))
    assert await members("Acme") == {}
    assert "has no rule" in await acme.run(ADMIN, "rule Acme")
    nothing = await acme.run(ADMIN, "rule Acme refresh")
    assert "*Acme* has no rule to re-evaluate" in nothing
    assert 'set one with `/group rule "Acme" set &lt;rule&gt;`' in nothing


async def test_manual_members_stay_and_a_narrower_rule_warns_before_it_removes(
    acme: Roster,
) -> None:
    assert "Added" in await acme.run(ADMIN, "add Acme dee@other.org")
    await save(acme, await set_rule(acme, "Acme", 'domain = "acme.com"'))
    assert await members("Acme") == {
        "dee@other.org": "manual",
        **{e: "rule" for e in ACME},
    }
    narrower = await set_rule(acme, "Acme", 'username in ["ann"]')
    shown = text_of(narrower)
    assert "Saving adds *0* and removes *2*" in shown
    assert (
        "This rule would *remove 2* people the current rule added: "
        "bob (bob@acme.com), cy (cy@acme.com)" in shown
    )
    assert "1 members added by hand don't match; they stay" in shown
    done = await save(acme, narrower)
    assert "added *0* and removed *2*" in done.text
    assert await members("Acme") == {"dee@other.org": "manual", "ann@acme.com": "rule"}
    refused = await acme.run(ADMIN, "remove Acme ann@acme.com")
    assert "*ann@acme.com* is in *Acme* by its rule, so removing them by hand would not last." in (
        refused
    )
    assert "Removed" in await acme.run(ADMIN, "remove Acme dee@other.org")
    assert await members("Acme") == {"ann@acme.com": "rule"}


async def test_a_rule_takes_in_people_changed_while_no_group_had_one(acme: Roster) -> None:
    """With no group rule, changes are not queued for re-evaluation; a rule set
    afterwards still takes in everyone as they are then."""
    assert "Added" in await acme.run(ADMIN, "add Support eve@acme.com")
    await acme.services.rules.settled()
    await save(acme, await set_rule(acme, "Acme", 'domain = "acme.com"'))
    assert "eve@acme.com" in await members("Acme")


async def test_the_group_stays_true_as_people_change(acme: Roster) -> None:
    """A new user, an enrolment and a completion from the course player each move
    someone within seconds, logged with their cause."""
    await save(acme, await set_rule(acme, "Acme", 'domain = "acme.com" or completed "Python 101"'))
    assert set(await members("Acme")) == set(ACME)

    assert "Added" in await acme.run(ADMIN, "add Support eve@acme.com")
    await eventually(
        lambda: _has(members("Acme"), "eve@acme.com"), what="the new user to join by the rule"
    )
    assert "Added" in await acme.run(MANAGER, 'add "Sales Team" dee@other.org')
    await acme.services.rules.settled()  # so the completion below is what moves dee
    status, _ = await post(
        acme,
        {
            "id": "dee-done",
            "type": "course_completed",
            "user": {"email": "dee@other.org"},
            "course": "Python 101",
        },
    )
    assert status == 200
    await eventually(lambda: _has(members("Acme"), "dee@other.org"), what="dee to join")
    causes = await RuleEventRow.filter(change="added").values_list("email", "cause")
    assert ("eve@acme.com", "added to Support by hand") in causes
    assert ("dee@other.org", "course completed reported by the course player") in causes
    summary = await acme.run(ADMIN, "rule Acme")
    assert "dee@other.org (course completed reported by the course player)" in summary


async def _has(found: Any, email: str) -> bool:
    return email in await found


async def test_refresh_re_evaluates_and_a_second_save_click_changes_nothing(
    acme: Roster,
) -> None:
    preview = await set_rule(acme, "Acme", 'domain = "acme.com"')
    as_first_seen = copy.deepcopy(preview)
    await save(acme, preview)
    assert (await acme.driver.click(ADMIN, as_first_seen, "rules.save")).status == 200
    told = await in_thread(acme, preview, "already")
    assert "This preview was already active; nothing was changed." in told.text
    assert await RuleEventRow.filter(change="added").count() == 3

    await MembershipRow.filter(user__email="ann@acme.com").delete()
    reply = await acme.run(ADMIN, "rule Acme refresh")
    assert "Re-evaluating the rule for *Acme*" in reply
    await eventually(lambda: _has(members("Acme"), "ann@acme.com"), what="ann back")
    summary = await acme.driver.command(ADMIN, "rule Acme")
    shown = await summary.reply()
    assert (await acme.driver.click(ADMIN, shown, "rules.refresh")).status == 200
    await acme.slack.wait_for(
        lambda: sum("added *0* and removed *0*" in m.text for m in directs(acme, ADMIN)) == 1
    )


async def test_a_group_with_a_seat_limit_cannot_take_a_rule(acme: Roster) -> None:
    modal = await (await acme.driver.command(ADMIN, "create")).modal()
    await acme.driver.submit(ADMIN, modal, {"title": "Limited", "seat_limit": "5"})
    reply = await acme.run(ADMIN, 'rule Limited set domain = "acme.com"')
    assert "has a seat limit of 5" in reply and "created without a seat limit" in reply


async def test_segments_need_their_capability_and_filter_the_member_list(acme: Roster) -> None:
    denied = await acme.run(MANAGER, "segment new")
    assert "Manage user segments" in denied
    await allow_bulk(acme, capability="segments.manage")
    modal = await (await acme.driver.command(MANAGER, "segment new")).modal()
    before = len(directs(acme, MANAGER))
    submitted = await acme.driver.submit(
        MANAGER,
        modal,
        {"segment_name": "Acme people", "rule_text": 'email endswith "@acme.com"'},
    )
    assert not submitted.ack
    preview = await preview_of(acme, MANAGER, before)
    assert "*3* people match today." in text_of(preview)
    assert (await acme.driver.click(MANAGER, preview, "rules.save")).status == 200
    await in_thread(acme, preview, "Segment *Acme people* is saved")
    assert '*Acme people*: `email endswith "@acme.com"`' in await acme.run(MANAGER, "segment list")
    assert "Added" in await acme.run(MANAGER, 'add "Sales Team" ann@acme.com')
    assert "Added" in await acme.run(MANAGER, 'add "Sales Team" dee@other.org')
    filtered = await acme.run(MANAGER, 'members "Sales Team" "Acme people"')
    assert "Members of Sales Team in segment Acme people (1)" in filtered
    assert "ann@acme.com" in filtered and "dee@other.org" not in filtered
    missing = await acme.run(MANAGER, 'members "Sales Team" "Nobody"')
    assert (
        "There is no segment called *Nobody*. `/group segment list` shows the saved ones."
        in missing
    )


async def save_segment(roster: Roster, name: str, rule: str) -> None:
    modal = await (await roster.driver.command(ADMIN, "segment new")).modal()
    before = len(directs(roster, ADMIN))
    await roster.driver.submit(ADMIN, modal, {"segment_name": name, "rule_text": rule})
    preview = await preview_of(roster, ADMIN, before)
    assert (await roster.driver.click(ADMIN, preview, "rules.save")).status == 200
    await in_thread(roster, preview, f"Segment *{name}* is saved")


async def seed_members(group: str, count: int, domain: str) -> None:
    """``count`` new users, all members of ``group``, in two set-based statements."""
    numbers = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
    now = datetime.now(UTC)
    await execute(
        None,
        "INSERT INTO users (email, username, status, is_admin, created_at) "
        f"{numbers}SELECT 'p' || n || '@{domain}', 'p' || n, 'invited', FALSE, ? FROM seq",
        [count, now],
    )
    await execute(
        None,
        "INSERT INTO memberships (group_id, user_id, joined_at, source) "
        "SELECT g.id, u.id, ?, 'manual' FROM users u, groups g "
        "WHERE u.email LIKE ? AND g.title = ? ORDER BY u.id",
        [now, f"%@{domain}", group],
    )


async def test_a_segment_filters_a_group_of_more_members_than_one_query_can_list(
    acme: Roster,
) -> None:
    """PostgreSQL takes at most 32,767 parameters in one statement: the members in a
    segment must never travel as one list of ids."""
    await save_segment(acme, "Bulk people", 'email endswith "@bulk.example.org"')
    assert "Added" in await acme.run(ADMIN, 'add "Sales Team" dee@other.org')
    await seed_members("Sales Team", 33_000, "bulk.example.org")
    listed = await acme.run(ADMIN, 'members "Sales Team" "Bulk people"')
    assert "Members of Sales Team in segment Bulk people (33000)" in listed
    assert "p1@bulk.example.org" in listed and "p20@bulk.example.org" in listed
    assert "p21@bulk.example.org" not in listed and "dee@other.org" not in listed
    everyone = await acme.run(ADMIN, 'members "Sales Team"')
    assert "Members of Sales Team (33001)" in everyone


async def test_a_change_ripples_through_a_rule_on_another_rule_group(acme: Roster) -> None:
    """Acme Fans' rule is membership of Acme. Saving Acme's rule, then a new user
    joining Acme by it, each ripple on into Acme Fans (whose rule is older, so it
    is evaluated first and needs the second round)."""
    assert "Created" in await acme.run(ADMIN, "create Acme Fans")
    fans = await set_rule(acme, "Acme Fans", 'member "Acme"')
    assert "Saving adds *0*" in text_of(fans)
    await save(acme, fans)
    await save(acme, await set_rule(acme, "Acme", 'domain = "acme.com"'))
    await eventually(lambda: _has(members("Acme Fans"), "cy@acme.com"), what="Acme's people in")
    causes = await RuleEventRow.filter(group__title="Acme Fans").values_list("cause", flat=True)
    assert set(causes) == {"membership of Acme changed"}
    assert "Added" in await acme.run(ADMIN, "add Support eve@acme.com")
    await eventually(lambda: _has(members("Acme Fans"), "eve@acme.com"), what="eve in Acme Fans")
    assert "eve@acme.com" in await members("Acme")
    groups = await RuleEventRow.filter(email="eve@acme.com").values_list("group__title", flat=True)
    assert sorted(groups) == ["Acme", "Acme Fans"]


async def test_without_view_users_a_preview_gives_counts_but_no_names(acme: Roster) -> None:
    """A rule reaches the whole school, beyond the manager's groups: only someone who
    may view users sees who it would add."""
    await let_manager(acme, "groups.view", "segments.manage")
    preview = await set_rule(acme, "Acme", 'domain = "acme.com"', user=MANAGER)
    shown = text_of(preview)
    assert "Saving adds *3*" in shown and "Added:" not in shown
    assert "Names are shown to those who may view users" in shown
    await decide(acme, await ask_approval(acme, preview))
    await in_thread(acme, preview, "Done:")
    assert not [f for m in thread(acme, preview) for f in m.files]
    assert set(await members("Acme")) == set(ACME)


async def test_a_managers_rule_waits_for_an_admin_and_runs_once_approved(acme: Roster) -> None:
    """A manager's rule reaches the whole school, so an admin approves it first; a
    rejection says why and changes nothing."""
    await let_manager(acme, "groups.view", "segments.manage", "users.view")
    preview = await set_rule(acme, "Acme", 'domain = "acme.com"', user=MANAGER)
    assert "Send for approval" in text_of(preview)
    assert "Nothing changes until an admin approves" in text_of(preview)
    request = await ask_approval(acme, preview)
    await in_thread(acme, preview, f"Sent to <@{ADMIN}> for approval")
    assert "Sent for approval by" in text_of(preview) and "rules.save" not in str(preview.blocks)
    assert "asks to set the rule of *Acme*" in text_of(request)
    assert await members("Acme") == {}

    shown, refused = await decide(acme, request, "reject")
    assert "*3* people match. Saving adds *3* and removes *0*." in shown
    assert "Say why, so the manager knows what to change." in refused
    _, closed = await decide(acme, request, "reject", "Too broad: use the Sales tag")
    assert "Rejected by" in closed
    told = await in_thread(acme, preview, "Rejected by")
    assert "Too broad: use the Sales tag" in told.text
    _, again = await decide(acme, request)
    assert "already *rejected*" in again
    assert await members("Acme") == {}

    preview = await set_rule(acme, "Acme", 'email endswith "@acme.com"', user=MANAGER)
    await decide(acme, await ask_approval(acme, preview))
    await in_thread(acme, preview, f"Approved by <@{ADMIN}>")
    done = await in_thread(acme, preview, "Done:")
    assert "added *3*" in done.text
    assert set(await members("Acme")) == set(ACME)
    cause = await RuleEventRow.filter(email="ann@acme.com").first().values_list("cause", flat=True)
    assert cause == "rule approved by ada"


async def test_a_manager_may_name_only_their_own_groups_in_a_rule(acme: Roster) -> None:
    await let_manager(acme, "groups.view", "segments.manage")
    reply = await acme.run(MANAGER, 'rule Acme set member "Support"')
    assert "Support" in reply and "preview" not in reply.lower()
    segment = await acme.run(MANAGER, 'rule Acme set member "Sales Team"')
    assert "The preview is in your direct messages" in segment


async def test_people_a_bulk_import_creates_join_by_the_rule(acme: Roster) -> None:
    await save(acme, await set_rule(acme, "Acme", 'tag = "emea"'))
    await allow_bulk(acme)
    data = workbook(
        ["username", "email", "tags"],
        ["pia", "pia@example.org", "sales, emea"],
        ["quinn", "quinn@example.org", "sales"],
    )
    preview = await upload(acme, "team.xlsx", data)
    await review(acme, await send_for_approval(acme, preview))
    await eventually(lambda: _has(members("Acme"), "pia@example.org"), what="pia to join Acme")
    assert "quinn@example.org" not in await members("Acme")
    cause = await RuleEventRow.get(email="pia@example.org").values_list("cause", flat=True)
    assert cause == "bulk action #1 (add members)"


async def test_rules_follow_a_renamed_group(acme: Roster) -> None:
    await save(acme, await set_rule(acme, "Acme", 'domain = "acme.com"'))
    assert "Created" in await acme.run(ADMIN, "create Acme Fans")
    await save(acme, await set_rule(acme, "Acme Fans", 'member in ["Acme", "Support"]'))
    assert "Renamed" in await acme.run(ADMIN, 'rename Acme "Acme Corp"')
    summary = await acme.run(ADMIN, 'rule "Acme Fans"')
    assert 'member ["Acme Corp", "Support"]' in summary
    assert "Created" in await acme.run(ADMIN, "create Newcomers")
    assert "Added" in await acme.run(ADMIN, "add Newcomers fay@acme.com")
    await eventually(lambda: _has(members("Acme Fans"), "fay@acme.com"), what="fay in Acme Fans")


async def test_a_preview_naming_a_course_deleted_since_is_still_decided(acme: Roster) -> None:
    """Its rule no longer reads, so the decided preview says so (it used to fail to
    describe it, and the click ended in an unexpected error)."""
    preview = await set_rule(acme, "Acme", 'completed "Onboarding"')
    await CourseRow.filter(title="Onboarding").delete()
    done = await save(acme, preview)
    assert "added *0* and removed *0*" in done.text
    assert "names a course or group that was deleted" in text_of(preview)
    assert "Saved by <@U0THEADMIN>" in text_of(preview)
