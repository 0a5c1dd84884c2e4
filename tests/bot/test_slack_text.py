"""Slack's escaping undone once, at the edge: what the person typed comes back."""

from __future__ import annotations

import pytest

from bot.commands import mentioned_user, parse
from bot.slack_text import plain
from slack_emulator.escaping import as_slack_sends

MEMBERS = {"U0ADALOVE": "ada"}
CHANNELS = {"general": "C0GENERAL"}


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("R&amp;D Team", "R&D Team"),
        ("a &lt; b &gt; c", "a < b > c"),
        ("&amp;lt;", "&lt;"),
        ("&lt;@U0ADALOVE&gt;", "<@U0ADALOVE>"),
        ("&lt;http://x.org|x&gt;", "<http://x.org|x>"),
        ("<mailto:a@b.org|a@b.org>", "a@b.org"),
        ("<mailto:a@b.org>", "a@b.org"),
        ("<http://acme.com|acme.com>", "acme.com"),
        ("<https://acme.com/a?b=1&amp;c=2>", "https://acme.com/a?b=1&c=2"),
        ("<#C0GENERAL|general>", "#general"),
        ("<@U0ADALOVE|ada>", "<@U0ADALOVE>"),
        ("<@U0ADALOVE>", "<@U0ADALOVE>"),
        ("<!here>", "@here"),
        ("<!subteam^S0TEAM|@tutors>", "@tutors"),
        ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
    ],
)
def test_every_form_slack_sends_reads_as_typed(sent: str, typed: str) -> None:
    assert plain(sent) == typed


@pytest.mark.parametrize(
    "typed",
    [
        'create "R&D Team"',
        "create a<b & c>d",
        "add Ops ana@school.org Ana García",
        "rule Acme set email endswith \"@acme.com\" and tags has 'x<y'",
        "create acme.com for #general",
        "template first name, last name",
    ],
)
def test_what_slack_escapes_comes_back_as_it_was_typed(typed: str) -> None:
    assert plain(as_slack_sends(typed, members=MEMBERS, channels=CHANNELS)) == typed


def test_a_picked_mention_stays_a_mention_and_names_its_user() -> None:
    sent = as_slack_sends("managers Ops add @U0ADALOVE", members=MEMBERS, channels=CHANNELS)
    assert sent == "managers Ops add <@U0ADALOVE|ada>"
    assert mentioned_user(parse(plain(sent)).args[2]) == "U0ADALOVE"
