"""A person's words reach Slack escaped wherever Slack would parse them."""

from __future__ import annotations

from storage.models import BulkJobRow
from tests.bot.conftest import ADMIN, Roster
from tests.bot.uploads import in_thread, review, send_for_approval, upload
from tests.hostile.slack_text import parsed_texts
from tests.workbooks import workbook

PING = "<!channel>"
LINK = "<https://evil.example|Open the review>"


async def test_a_hostile_file_name_pings_nobody_and_links_nowhere(bulk: Roster) -> None:
    name = f"{PING} {LINK}.xlsx"
    preview = await upload(bulk, name, workbook(["username", "email"], ["Ana", "ana@example.org"]))
    request = await send_for_approval(bulk, preview)
    assert "needs your approval" in request.text
    await review(bulk, request, reason="not this one", decision="reject")
    await in_thread(bulk, preview, "Rejected by")
    await upload(bulk, name, workbook(["username", f"{PING} email"], ["Ana", "ana@example.org"]))
    texts = list(parsed_texts(bulk.slack))
    assert any("&lt;!channel&gt;" in t for t in texts)
    leaks = [t for t in texts if PING in t or "<https://evil" in t]
    assert not leaks
    assert await BulkJobRow.filter(state="rejected").count() == 1


async def test_hostile_titles_and_typed_words_are_escaped_in_every_answer(school: Roster) -> None:
    await school.run(ADMIN, f"create {PING} Team")
    await school.run(ADMIN, f'members "{PING} Team"')
    await school.run(ADMIN, f'rule "{PING} Team"')
    await school.run(ADMIN, f"{PING}")
    await school.run(ADMIN, f'add "{PING} Team" {PING}@example.org')
    await school.run(ADMIN, f'rule "{PING} Team" set email endswith "{PING}" and')
    texts = list(parsed_texts(school.slack))
    assert len(texts) > 5
    assert not [t for t in texts if PING in t]
