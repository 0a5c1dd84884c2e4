"""manifest.yml is a valid Slack app manifest with what Roster needs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(
    os.environ.get("SLACK_MANIFEST_SCHEMA_DIR") or ROOT.parent / "shared" / "slack-manifest-schema"
)
"""Slack's manifest schema (slackapi/manifest-schema), beside the project unless
SLACK_MANIFEST_SCHEMA_DIR names where it is."""
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_the_manifest_validates_against_slacks_schema(manifest: dict) -> None:
    if not (SCHEMAS / "manifest.schema.json").exists():
        pytest.skip(
            "Slack's manifest schema is not beside the project (../shared/...); "
            "set SLACK_MANIFEST_SCHEMA_DIR to where it is"
        )
    root = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    resources = [
        (REMOTE + path.name, Resource.from_contents(json.loads(path.read_text())))
        for path in (SCHEMAS / "schemas").glob("*.json")
    ]
    validator = jsonschema.Draft7Validator(root, registry=Registry().with_resources(resources))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []


def test_the_manifest_declares_the_command_home_tab_and_scopes(manifest: dict) -> None:
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/group" and command["usage_hint"] and command["description"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_the_manifest_asks_only_for_the_scopes_roster_uses(manifest: dict) -> None:
    """Each one is in README's list with its reason; chat:write.public is not asked for
    (files can only be shared where Roster is a member, so it would not help)."""
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "channels:read",
        "chat:write",
        "commands",
        "files:read",
        "files:write",
        "groups:read",
        "im:history",
        "im:write",
        "users:read",
        "users:read.email",
    ]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert events == [
        "app_home_opened",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
        "user_change",
    ]
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_command_text_is_escaped_as_the_emulators_driver_sends_it(manifest: dict) -> None:
    """The driver sends command text through Slack's escaping (mentions, channels,
    links and emails in their ``<…>`` forms), which is what ``should_escape`` asks."""
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True
