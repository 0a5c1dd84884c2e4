from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import passwords
from domain.emails import backoff
from domain.entities import Group, User, UserStatus
from domain.errors import InvalidInput
from domain.letters import INVITE_LINK, Layout, Letter, Letters, OutgoingEmail, Trigger
from domain.log_filter import LogFilter, parse_log_filter

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
USER = User(1, "ada@school.org", "ada<b>", UserStatus.INVITED)
GROUP = Group(1, "Sales & Support", "", 10, NOW, NOW)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "it has 5 characters"),
        ("ada@school.org!!", "contains your email or username"),
        ("my name is ada<b>", "contains your email or username"),
        ("password123", "too easy to guess"),
        ("aaaaaaaaaaaaaa", "too easy to guess"),
        ("x" * 129, "keep it to 128 characters"),
    ],
)
def test_the_password_rule_names_what_failed(password: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        passwords.check(password, email=USER.email, username=USER.username)
    assert problem in caught.value.message


async def test_argon2id_hashes_and_verifies_in_a_pool_of_its_own() -> None:
    hasher = passwords.Hasher(workers=1)
    digest = await hasher.hash("correct horse battery")
    assert digest.startswith("$argon2id$")
    assert await hasher.verify(digest, "correct horse battery")
    assert not await hasher.verify(digest, "correct horse batterz")
    assert not await hasher.verify("not a hash", "anything")
    assert hasher.verifications == 3
    hasher.close()


def test_an_invitation_escapes_html_and_waits_for_its_link() -> None:
    email = Letters("Demo <School>", "https://roster.example").invitation(USER, GROUP, [])
    assert email.trigger is Trigger.INVITATION and INVITE_LINK in email.text
    assert "ada&lt;b&gt;" in email.html and "Sales &amp; Support" in email.html
    assert "<b>" not in email.html.replace("<br>", "")


def test_a_line_break_can_never_reach_a_mail_header() -> None:
    with pytest.raises(ValueError, match="line break"):
        OutgoingEmail(
            "ada@school.org",
            "Hi\r\nBcc: all@school.org",
            Letter(Layout.NOTICE, "Ada", "", "School"),
            Trigger.INVITATION,
        )


def test_a_seat_limited_group_sends_the_seat_enrollment_email() -> None:
    letters = Letters("Demo", "https://roster.example")
    assert letters.added_to_group(USER, GROUP).trigger is Trigger.SEAT_ENROLLMENT
    open_group = Group(2, "Open", "", None, NOW, NOW)
    assert letters.added_to_group(USER, open_group).trigger is Trigger.MEMBERSHIP_ADDED


def test_retries_back_off_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(4)] == [5, 10, 20, 40]
    assert backoff(30) == timedelta(hours=1)


def test_the_log_filter_reads_a_trigger_and_a_time_in_any_order() -> None:
    triggers = {t.value: t for t in Trigger}

    def read(*words: str) -> LogFilter[Trigger]:
        return parse_log_filter(words, kinds=triggers, what="a trigger", now=NOW)

    chosen = read("7d", "INVITATION")
    assert chosen.kind is Trigger.INVITATION and chosen.since == datetime(2026, 11, 22, tzinfo=UTC)
    assert read("2026-11-01").since == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="neither a trigger"):
        read("yesterday")
