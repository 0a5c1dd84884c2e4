from __future__ import annotations

import pytest

from bot.commands import COMMANDS, UsageError, mentioned_user, parse
from bot.listeners.group_command import ROUTES


def test_every_command_has_a_handler() -> None:
    assert {c.name for c in COMMANDS} == set(ROUTES)


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("", "help", []),
        ("create Sales Team", "create", ["Sales Team"]),
        ("create Ada's group", "create", ["Ada's group"]),
        ("add “Sales Team” a@b.org", "add", ["Sales Team", "a@b.org"]),
        ('rename "Sales Team" Sales 2027', "rename", ["Sales Team", "Sales 2027"]),
        ("course new Python 101", "course new", ["Python 101"]),
        ("COURSE LIST", "course list", []),
    ],
)
def test_parsing(text: str, name: str, args: list[str]) -> None:
    parsed = parse(text)
    assert (parsed.command.name, parsed.args) == (name, args)


def test_an_unclosed_quote_says_how_to_quote() -> None:
    with pytest.raises(UsageError, match="double quotes"):
        parse('add "Sales Team ada@school.org')


def test_mentions_are_read_as_user_ids() -> None:
    assert mentioned_user("<@U123ABC|ada>") == "U123ABC"
    assert mentioned_user("U123ABC") is None
