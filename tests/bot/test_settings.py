from __future__ import annotations

import pytest

from bot.settings import ConfigError, Settings

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({**BASE, "SLACK_BOT_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN should start with 'xoxb-'"),
        ({**BASE, "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN should start with 'xapp-'"),
        ({**BASE, "ROSTER_PORT": "http"}, "ROSTER_PORT must be a port number"),
        ({**BASE, "ROSTER_ADMINS": "ada@school.org"}, "ROSTER_ADMINS holds Slack user ids"),
        ({**BASE, "ROSTER_PARSES_AT_ONCE": "0"}, "ROSTER_PARSES_AT_ONCE must be a whole number"),
        ({**BASE, "ROSTER_PARSE_SECONDS": "2m"}, "ROSTER_PARSE_SECONDS must be a whole number"),
    ],
)
def test_a_bad_environment_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_defaults_and_socket_mode() -> None:
    settings = Settings.from_env({**BASE, "ROSTER_ADMINS": "U1, U2", "SLACK_APP_TOKEN": "xapp-9"})
    assert settings.admins == {"U1", "U2"} and settings.socket_mode and settings.port == 3000
    assert settings.database_url.endswith("roster.sqlite3")
    assert (settings.parses_at_once, settings.parse_seconds) == (2, 120)
