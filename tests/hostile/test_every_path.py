"""The same hostile values down every path: refused with the fix, nothing stored,
Roster still serving afterwards."""

from __future__ import annotations

import pytest

from slack_emulator.state import Message
from tests.bot.conftest import ACTIVITY_SECRET, ADMIN, Roster
from tests.bot.uploads import upload
from tests.hostile import probes
from tests.hostile.probes import BAD_EMAILS, JSON_ONLY, UNSAFE, Outcome, Target


def target(roster: Roster) -> Target:
    return Target(roster.slack, roster.driver, roster.url, ADMIN, "Sales Team", ACTIVITY_SECRET)


def failures(outcomes: list[Outcome]) -> list[str]:
    return [
        f"{o.path} / {o.value}: refused={o.refused} crashed={o.crashed} stored={o.stored}: "
        f"{o.answer[:200]!r}"
        for o in outcomes
        if not o.refused or o.crashed or o.stored
    ]


async def test_a_typed_name_is_refused_with_the_fix(school: Roster) -> None:
    aimed = target(school)
    outcomes = [
        await probes.command(aimed, name, value, index)
        for index, (name, value) in enumerate(UNSAFE.items())
    ]
    assert not failures(outcomes)
    assert await probes.still_serving(aimed)


async def test_a_name_in_the_add_member_form_is_refused_on_its_field(school: Roster) -> None:
    aimed = target(school)
    outcomes = [
        await probes.modal(aimed, name, value, index)
        for index, (name, value) in enumerate(UNSAFE.items())
    ]
    assert not failures(outcomes)
    assert await probes.still_serving(aimed)


async def test_every_name_column_of_a_spreadsheet_refuses_them_row_by_row(bulk: Roster) -> None:
    aimed = target(bulk)

    async def send(content: bytes) -> Message:
        return await upload(bulk, "hostile.xlsx", content)

    outcomes, preview = await probes.spreadsheet(aimed, UNSAFE, send)
    assert not failures(outcomes)
    assert "imports.send_for_approval" not in str(preview.blocks)
    assert await probes.still_serving(aimed)


@pytest.mark.parametrize("field", ["course", "assessment", "certificate"])
async def test_the_course_player_cannot_store_them_either(school: Roster, field: str) -> None:
    aimed = target(school)
    outcomes = [
        await probes.activity(aimed, name, value, field)
        for name, value in {**UNSAFE, **JSON_ONLY}.items()
    ]
    assert not failures(outcomes)
    assert await probes.still_serving(aimed)


async def test_malformed_addresses_are_refused_on_every_path(school: Roster) -> None:
    aimed = target(school)
    outcomes = [
        await probes.activity(aimed, name, value, "user.email")
        for name, value in {**BAD_EMAILS, **JSON_ONLY}.items()
    ]
    for index, (name, value) in enumerate(BAD_EMAILS.items()):
        outcomes.append(await probes.add_by_email(aimed, name, value, index))
        outcomes.append(await probes.web_form(aimed, name, value, "/login"))
        outcomes.append(await probes.web_form(aimed, name, value, "/forgot"))
    assert not failures(outcomes)
    assert await probes.still_serving(aimed)
