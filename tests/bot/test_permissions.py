"""Who is calling: the signed payload's user, checked on every request, linked once."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse

import pytest
from slack_sdk.signature import SignatureVerifier

from slack_emulator.driver import block_texts
from storage.models import GroupRow, MembershipRow, UserRow
from tests.bot.conftest import (
    ADMIN,
    LEARNER,
    LEARNER_EMAIL,
    MANAGER,
    SIGNING_SECRET,
    STRANGER,
    Roster,
)


async def _snapshot() -> tuple[list, list, list]:
    groups = await GroupRow.all().order_by("id").values("title", "updated_at", "seat_limit")
    members = await MembershipRow.all().order_by("id").values("group_id", "user_id")
    users = await UserRow.all().order_by("id").values("email", "slack_user_id", "is_admin")
    return groups, members, users


async def test_suggestions_never_reveal_other_managers_groups(school: Roster) -> None:
    answer = await school.run(MANAGER, "members Supp")
    assert "There is no group called *Supp*" in answer
    assert "Support" not in answer.replace("*Supp*", "")


async def test_a_group_someone_may_not_see_answers_as_one_that_does_not_exist(
    school: Roster,
) -> None:
    support = await GroupRow.get(title="Support")
    hidden = await school.run(MANAGER, f"members #{support.id}")
    absent = await school.run(MANAGER, "members #9999")
    assert hidden == absent.replace("#9999", f"#{support.id}")
    assert "Support" not in hidden
    stranger = await school.run(STRANGER, f"members #{support.id}")
    assert "Support" not in stranger and "isn't linked to a school user" in stranger


async def test_typing_an_admins_id_in_the_text_changes_nothing(school: Roster) -> None:
    before = await _snapshot()
    answer = await school.run(MANAGER, f"create @{ADMIN} user_id={ADMIN}")
    assert "*Create groups* is for school admins only" in answer
    assert await _snapshot() == before


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


async def test_a_replayed_app_home_event_is_acknowledged_and_does_nothing(school: Roster) -> None:
    envelope_id = "Ev0REPLAYED"
    first = await school.driver.open_home(ADMIN, event_id=envelope_id)
    await first.call("views.publish")
    second = await school.driver.open_home(ADMIN, event_id=envelope_id)
    assert second.status == 200
    await asyncio.sleep(0.2)
    assert len(school.slack.calls_to("views.publish")) == 1
    assert "Sales Team" in json.dumps(school.slack.home[ADMIN])


async def test_removing_a_manager_takes_effect_on_their_next_request(school: Roster) -> None:
    opened = await school.driver.click(
        MANAGER, await (await school.driver.command(MANAGER, "list")).reply(), "groups.add_member"
    )
    modal = await opened.modal()
    assert "now manages" not in await school.run(ADMIN, f'managers "Sales Team" remove @{MANAGER}')
    before = await _snapshot()
    await school.driver.submit(MANAGER, modal, {"email": "eve@example.org"})
    assert "you manage no group" in "\n".join(block_texts(modal.body["blocks"]))
    assert await _snapshot() == before


async def test_an_unlinked_caller_is_linked_once_by_the_email_slack_gives(school: Roster) -> None:
    assert await UserRow.get(email=LEARNER_EMAIL).values_list("slack_user_id", flat=True) is None
    assert "*Learner*" in await school.run(LEARNER, "whoami")
    assert await UserRow.get(email=LEARNER_EMAIL).values_list("slack_user_id", flat=True) == LEARNER
    looked_up = len(school.slack.calls_to("users.info"))
    assert "*Learner*" in await school.run(LEARNER, "whoami")
    assert len(school.slack.calls_to("users.info")) == looked_up


async def test_someone_in_slack_but_not_in_the_school_stays_unlinked(school: Roster) -> None:
    users = await UserRow.all().count()
    answer = await school.run(STRANGER, "whoami")
    assert "*Not linked*" in answer and f"Ask <@{ADMIN}>" in answer
    assert await UserRow.all().count() == users
    home = await school.driver.home(STRANGER)
    assert "isn't linked to a school user" in home.text
