"""The outbox keeps a letter as its layout and values and renders it when read; rows
queued by an older Roster, with their bodies written out, are sent as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.entities import Group, User, UserStatus
from domain.letters import INVITE_LINK, Letters
from storage.models import OutboxRow, UserRow
from storage.store import TortoiseStore

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
LETTERS = Letters("Roster <School>", "https://roster.example")


async def test_a_letter_is_stored_as_its_values_and_read_back_rendered(connected: str) -> None:
    row = await UserRow.create(email="ana@school.org", username="Ana & Co")
    user = User(row.id, row.email, row.username, UserStatus.INVITED)
    invitation = LETTERS.invitation(user, Group(1, "Sales", "", None, NOW, NOW), [])
    store = TortoiseStore()
    await store.outbox.queue([invitation], NOW, events=())
    stored = await OutboxRow.get(to_address="ana@school.org")
    assert (stored.text_body, stored.html_body, stored.layout) == ("", "", "action")
    assert len(stored.letter_values) < len(invitation.text) + len(invitation.html)
    (claimed,) = await store.outbox.claim(NOW, 10, NOW + timedelta(minutes=5))
    assert (claimed.text, claimed.html) == (invitation.text, invitation.html)
    assert "Ana &amp; Co" in claimed.html and "Roster &lt;School&gt;" in claimed.html
    assert INVITE_LINK in claimed.text, "the link is minted when it is sent"


async def test_a_body_written_out_by_an_older_roster_is_sent_as_it_is(connected: str) -> None:
    await OutboxRow.create(
        to_address="ben@school.org",
        subject="Welcome",
        text_body="Hello Ben",
        html_body="<p>Hello Ben</p>",
        trigger="invitation",
        next_attempt_at=NOW,
    )
    (claimed,) = await TortoiseStore().outbox.claim(NOW, 10, NOW + timedelta(minutes=5))
    assert (claimed.text, claimed.html) == ("Hello Ben", "<p>Hello Ben</p>")
