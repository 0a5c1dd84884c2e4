"""The bot token goes only to the file hosts of the Slack Roster talks to."""

from __future__ import annotations

import pytest

from bot.slack_files import FileHosts


@pytest.mark.parametrize(
    ("api", "url", "allowed"),
    [
        ("https://slack.com/api/", "https://files.slack.com/files-pri/T1-F1/download/a.xlsx", True),
        ("https://slack.com/api/", "https://files-origin.slack.com/files-pri/T1-F1/a", True),
        ("https://slack.com/api/", "http://files.slack.com/files-pri/T1-F1/a", False),
        ("https://slack.com/api/", "https://files.slack.com.evil.org/a", False),
        ("https://slack.com/api/", "https://evilslack.com/a", False),
        ("https://slack.com/api/", "https://files.slack.com@evil.org/a", False),
        ("https://slack.com/api/", "https://files.slack-gov.com/a", False),
        ("https://slack-gov.com/api/", "https://files.slack-gov.com/files-pri/T1-F1/a", True),
        ("https://slack-gov.com/api/", "https://files.slack.com/files-pri/T1-F1/a", False),
        ("http://127.0.0.1:4000/api/", "http://127.0.0.1:4000/files-pri/F1/download", True),
        ("http://127.0.0.1:4000/api/", "http://127.0.0.1:4001/files-pri/F1/download", False),
        ("http://127.0.0.1:4000/api/", "http://localhost:4000/files-pri/F1/download", False),
        ("http://127.0.0.1:4000/api/", "ftp://127.0.0.1:4000/files-pri/F1/download", False),
    ],
)
def test_file_hosts_come_from_the_web_api_address(api: str, url: str, allowed: bool) -> None:
    assert FileHosts.of(api).allow(url) is allowed
