from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
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
        (
            {**BASE, "ROSTER_TRUSTED_PROXIES": "10.0.0.1, proxy.local"},
            "ROSTER_TRUSTED_PROXIES lists proxy addresses or networks.*'proxy.local' is neither",
        ),
        (
            {**BASE, "ROSTER_JOB_RETENTION_DAYS": "30d"},
            "ROSTER_JOB_RETENTION_DAYS must be a whole number from 1 to 3650, not '30d'",
        ),
        (
            {**BASE, "ROSTER_JOB_RETENTION_DAYS": "0"},
            "ROSTER_JOB_RETENTION_DAYS must be a whole number from 1 to 3650",
        ),
        (
            {**BASE, "ROSTER_EVENT_RETENTION_DAYS": "a year"},
            "ROSTER_EVENT_RETENTION_DAYS must be a whole number from 1 to 36500, not 'a year'",
        ),
        ({**BASE, "ROSTER_PARSES_AT_ONCE": "0"}, "ROSTER_PARSES_AT_ONCE must be a whole number"),
        ({**BASE, "ROSTER_PARSE_SECONDS": "2m"}, "ROSTER_PARSE_SECONDS must be a whole number"),
    ],
)
def test_a_bad_environment_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings.from_env({**BASE, "ROSTER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1"})
    assert {str(n) for n in settings.trusted_proxies} == {"127.0.0.1/32", "10.0.0.0/8", "::1/128"}
    assert Settings.from_env(BASE).trusted_proxies == frozenset()


def test_defaults_and_socket_mode() -> None:
    settings = Settings.from_env({**BASE, "ROSTER_ADMINS": "U1, U2", "SLACK_APP_TOKEN": "xapp-9"})
    assert settings.admins == {"U1", "U2"} and settings.socket_mode and settings.port == 3000
    assert settings.database_url.endswith("roster.sqlite3")
    assert (settings.parses_at_once, settings.parse_seconds) == (2, 120)
    assert settings.job_retention_days == 30
    assert settings.event_retention_days == 365
    assert Settings.from_env({**BASE, "ROSTER_JOB_RETENTION_DAYS": "7"}).job_retention_days == 7


@pytest.mark.parametrize(
    "url",
    [
        "smtp//mailer:Hunter2-secret@mail.school.org:587",
        "https://mailer:Hunter2-secret@mail.school.org",
        "smtp://mailer:Hunter2-secret@",
        "smtp://mailer:Hunter2-secret@mail.school.org:smtp",
        "smtp://mailer:Hunter2#secret@mail.school.org:587",
        "smtp://mailer:Hunter2-secret@[mail.school.org",
        "Hunter2-secret",
    ],
)
def test_a_malformed_smtp_url_stops_start_up_without_showing_its_password(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Start-up output lands in logs that more people read than hold the password."""
    database = f"sqlite://{tmp_path / 'roster.sqlite3'}"
    for name, value in {**BASE, "SMTP_URL": url, "DATABASE_URL": database}.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("roster: SMTP_URL ") and "smtp://user:password@host:587" in said
    assert "Hunter2" not in said and "secret" not in said
