"""What a person types is what Roster stores, though Slack sends it escaped.

Slack sends ``&``, ``<`` and ``>`` as entities and links, emails, channels and
mentions in ``<…>`` forms. Before, ``/group create R&D Team`` stored
``R&amp;D Team``, which the same group's name typed again, or a group named in
a form, could not find.
"""

from __future__ import annotations

from bot.ids import Field
from storage.models import GroupManagerRow, GroupRow
from tests.bot.conftest import ADMIN, MANAGER, Roster
from tests.bot.uploads import direct_messages, text_of
from tests.workbooks import workbook


async def titles() -> set[str]:
    return set(await GroupRow.all().values_list("title", flat=True))


async def test_ampersands_and_angle_brackets_are_stored_as_typed(school: Roster) -> None:
    assert "Created" in await school.run(ADMIN, "create R&D Team")
    assert "Created" in await school.run(ADMIN, 'create "a<b> & c"')
    assert {"R&D Team", "a<b> & c"} <= await titles()
    assert "Added" in await school.run(ADMIN, 'add "R&D Team" ana@school.org Ana & Bo')
    members = await school.run(ADMIN, 'members "a<b> & c"')
    assert "No members yet" in members or "0 member" in members


async def test_a_group_created_in_the_form_is_found_by_its_name_typed(school: Roster) -> None:
    modal = await (await school.driver.command(ADMIN, "create")).modal()
    await school.driver.submit(ADMIN, modal, {Field.TITLE: "R&D Labs"})
    assert "now includes" in await school.run(ADMIN, 'courses "R&D Labs" add "Python 101"')


async def test_links_and_channels_read_as_what_was_typed(school: Roster) -> None:
    assert "Created" in await school.run(ADMIN, "create acme.com partners")
    assert "Created" in await school.run(ADMIN, "create Ops for #general")
    assert {"acme.com partners", "Ops for #general"} <= await titles()


async def test_a_mention_still_names_the_manager(school: Roster) -> None:
    assert "now manages" in await school.run(ADMIN, f"managers Support add @{MANAGER}")
    support = await GroupRow.get(title="Support")
    managers = GroupManagerRow.filter(group=support).values_list("user__slack_user_id", flat=True)
    assert MANAGER in await managers


async def test_a_rule_keeps_its_comparisons_and_domains(school: Roster) -> None:
    rule = 'progress "Python 101" <= 50 and domain = "school.org"'
    reply = await school.run(ADMIN, f"rule Support set {rule}")
    assert "The preview is in your direct messages" in reply, reply

    def preview() -> list[str]:
        return [text_of(m) for m in direct_messages(school, ADMIN) if "Support" in text_of(m)]

    words = (await school.slack.wait_for(preview, timeout=20))[0]
    assert "school.org" in words and "http" not in words


async def test_a_dropped_files_group_name_is_read_as_typed(bulk: Roster) -> None:
    modal = await (await bulk.driver.command(ADMIN, "create")).modal()
    await bulk.driver.submit(ADMIN, modal, {Field.TITLE: "R&D Team"})
    assert "now manages" in await bulk.run(ADMIN, f'managers "R&D Team" add @{MANAGER}')
    data = workbook(["username", "email"], ["pat", "pat@example.org"])
    stored = bulk.slack.user_upload(MANAGER, "team.xlsx", data)
    await bulk.driver.share_in_dm(MANAGER, '"R&D Team"', stored)

    def preview() -> list[str]:
        return [text_of(m) for m in direct_messages(bulk, MANAGER) if "row(s) ready" in text_of(m)]

    assert "R&amp;D Team" in (await bulk.slack.wait_for(preview, timeout=30))[0]
