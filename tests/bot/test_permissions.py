"""Who may do what: the caller is the signed payload's user, checked on every request."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from slack_sdk.signature import SignatureVerifier

from storage.models import GroupRow, MembershipRow, UserRow
from tests.bot.conftest import ADMIN, MANAGER, SIGNING_SECRET, STRANGER, Roster

DENIED_FOR_MANAGER = [
    ("create Marketing", "create groups"),
    ("delete Support", "delete groups in *Support*"),
    ('delete "Sales Team"', "delete groups in *Sales Team*"),
    ("add Support eve@example.org", "manage group members in *Support*"),
    ("remove Support lea@school.org", "manage group members in *Support*"),
    ("members Support", "view group members in *Support*"),
    ("rename Support Mine", "edit groups (title, courses) in *Support*"),
    ("courses Support add Onboarding", "edit groups (title, courses) in *Support*"),
    (f'managers "Sales Team" add <@{STRANGER}>', "assign group managers in *Sales Team*"),
    ("course new Hacking", "manage the course catalogue"),
]


async def _snapshot() -> tuple[list, list, list]:
    groups = await GroupRow.all().order_by("id").values("title", "updated_at", "seat_limit")
    members = await MembershipRow.all().order_by("id").values("group_id", "user_id")
    users = await UserRow.all().order_by("id").values("email", "slack_user_id", "is_admin")
    return groups, members, users


@pytest.mark.parametrize(("text", "denial"), DENIED_FOR_MANAGER)
async def test_a_manager_acts_only_within_their_groups(
    school: Roster, text: str, denial: str
) -> None:
    before = await _snapshot()
    answer = await school.run(MANAGER, text)
    assert f"You can't {denial}" in answer
    assert f"Ask <@{ADMIN}>" in answer
    assert await _snapshot() == before


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ('add "Sales Team" eve@example.org', "Added *eve*"),
        ('members "Sales Team"', "Members of Sales Team (0)"),
        ('rename "Sales Team" Sales 2', "Renamed *Sales Team* to *Sales 2*"),
        ('courses "Sales Team" add Onboarding', "*Sales Team* now includes *Onboarding*"),
    ],
)
async def test_a_manager_may_manage_their_own_group(
    school: Roster, text: str, outcome: str
) -> None:
    assert outcome in await school.run(MANAGER, text)


async def test_an_unlinked_slack_user_can_do_nothing_but_read_help(school: Roster) -> None:
    before = await _snapshot()
    assert "You don't manage any groups" in await school.run(STRANGER, "list")
    assert "You can't manage group members" in await school.run(
        STRANGER, 'add "Sales Team" eve@example.org'
    )
    assert "/group create" in await school.run(STRANGER, "help")
    assert await _snapshot() == before


async def test_suggestions_never_reveal_other_managers_groups(school: Roster) -> None:
    answer = await school.run(MANAGER, "members Supp")
    assert "There is no group called *Supp*" in answer
    assert "Support" not in answer.replace("*Supp*", "")


async def test_typing_an_admins_id_in_the_text_changes_nothing(school: Roster) -> None:
    before = await _snapshot()
    answer = await school.run(MANAGER, f"create <@{ADMIN}> user_id={ADMIN}")
    assert "You can't create groups" in answer
    assert await _snapshot() == before


async def test_a_button_clicked_by_someone_without_the_right_is_refused(school: Roster) -> None:
    question = await (await school.driver.command(ADMIN, "delete Support")).reply()
    click = await school.driver.click(MANAGER, question, "groups.delete.confirmed")
    assert "You can't delete groups in *Support*" in (await click.reply()).text
    assert await GroupRow.filter(title="Support").exists()


def _command_body(user_id: str, text: str) -> str:
    return urllib.parse.urlencode(
        {
            "command": "/group",
            "text": text,
            "user_id": user_id,
            "team_id": "T0ROSTER",
            "channel_id": "C0GENERAL",
            "trigger_id": "1.2.3",
            "response_url": "http://127.0.0.1:9/r",
        }
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "{stale}", "X-Slack-Signature": "{stale_signature}"},
    ],
    ids=["unsigned", "wrongly signed", "stale"],
)
async def test_requests_not_signed_by_slack_get_401_and_change_nothing(
    school: Roster, headers: dict[str, str]
) -> None:
    body = _command_body(ADMIN, "create Forged")
    stale = str(int(time.time()) - 6 * 60)
    values = {
        "now": str(int(time.time())),
        "stale": stale,
        "stale_signature": SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=stale, body=body
        ),
    }
    sent = {k: v.format(**values) for k, v in headers.items()}
    async with school.driver.session.post(
        school.driver.events_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **sent},
    ) as response:
        assert response.status == 401
    assert not await GroupRow.filter(title="Forged").exists()


async def test_a_replayed_app_home_event_is_harmless(school: Roster) -> None:
    envelope_id = "Ev0REPLAYED"
    first = await school.driver.open_home(ADMIN, event_id=envelope_id)
    await first.call("views.publish")
    second = await school.driver.open_home(ADMIN, event_id=envelope_id)
    await second.call("views.publish")
    assert "Sales Team" in json.dumps(school.slack.home[ADMIN])
