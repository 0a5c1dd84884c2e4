"""What the emulated workspace holds: people, messages, views, files, calls."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
MODAL_STACK = 3


class SlackError(Exception):
    """An ``ok: false`` answer with Slack's error code, detail messages and any other
    fields Slack adds (``missing_scope`` names the scopes ``needed`` and ``provided``)."""

    def __init__(self, error: str, messages: list[str] | None = None, **fields: str) -> None:
        self.error = error
        self.messages = messages or []
        self.fields = fields


class RateLimited(Exception):
    """Slack's HTTP 429: too many calls; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after


@dataclass
class Call:
    """One Web API call as the emulator received it, and what it answered."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None = None
    at: float = field(default_factory=time.monotonic)
    """When it arrived (``time.monotonic``), for tests about pacing."""


@dataclass
class Member:
    id: str
    name: str
    email: str | None
    is_bot: bool = False
    deleted: bool = False
    """Deactivated in Slack."""
    restricted: bool = False
    """A multi-channel guest (``is_restricted``)."""
    ultra_restricted: bool = False
    """A single-channel guest (``is_ultra_restricted``; Slack sets both flags)."""
    tz: str | None = "America/Los_Angeles"
    """Their time zone as Slack gives it (``tz``): what they set in their profile; None
    leaves it out, as for an account whose zone Slack doesn't know."""

    def as_api(self, team_id: str, *, email: bool) -> dict[str, Any]:
        """The user object; the profile's email only for a token with users:read.email."""
        profile = {"real_name": self.name, "display_name": self.name}
        if self.email and email:
            profile["email"] = self.email
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name.lower().replace(" ", "."),
            "real_name": self.name,
            "is_bot": self.is_bot,
            "deleted": self.deleted,
            "is_restricted": self.restricted or self.ultra_restricted,
            "is_ultra_restricted": self.ultra_restricted,
            "profile": profile,
        }
        if self.tz is not None:
            user["tz"] = self.tz
        return user


@dataclass
class Channel:
    """A conversation: a public or private channel, or a direct message (``im``)."""

    id: str
    name: str
    kind: str
    """``public``, ``private`` or ``im``."""
    members: set[str] = field(default_factory=set)
    archived: bool = False

    def as_api(self, bot_user_id: str) -> dict[str, Any]:
        """The conversation object ``conversations.info`` answers."""
        if self.kind == "im":
            user = next((m for m in sorted(self.members) if m != bot_user_id), "")
            return {"id": self.id, "is_im": True, "user": user, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": self.kind == "public",
            "is_group": self.kind == "private",
            "is_im": False,
            "is_private": self.kind == "private",
            "is_archived": self.archived,
            "is_member": bot_user_id in self.members,
        }


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    files: list[str] = field(default_factory=list)
    edits: int = 0
    response_type: str | None = None
    """For a message posted to a response_url: ``ephemeral`` or ``in_channel``."""


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    user_id: str
    channel_id: str
    issued_at: float
    posts: list[dict[str, Any]] = field(default_factory=list)
    original: Message | None = None
    """The message the interaction came from (for a command: the first reply posted
    here), which ``replace_original`` and ``delete_original`` act on."""
    messages: list[Message | None] = field(default_factory=list)
    """What each post became in the channel: a new message, the original it replaced,
    or None when it deleted the original."""


@dataclass
class View:
    id: str
    user_id: str
    body: dict[str, Any]
    hash: str
    root_id: str
    trigger_id: str | None = None
    open: bool = True
    app_id: str = "A0ROSTER"
    """The app that opened it; another app's view is not this app's to update."""


@dataclass
class StoredFile:
    id: str
    name: str
    title: str
    length: int
    content: bytes = b""
    uploaded: bool = False
    shared_to: list[str] = field(default_factory=list)
    user: str = ""
    """Who uploaded it (``files.info``'s ``user``)."""
    connect: bool = False
    """Shared from a Slack Connect workspace: events and file inputs carry only a
    ``check_file_info`` stub, and ``files.info`` has the rest."""
    visible: bool = True
    """Whether the bot may see it; ``files.info`` and downloads refuse it otherwise."""


@dataclass
class Download:
    """One request for a file's bytes: which file, the host it was sent to, whether
    it carried the bot token, and the status answered."""

    file_id: str
    host: str
    authorized: bool
    status: int


SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{8,}$")
"""Slack's ids: a capital letter for the kind, then at least eight capitals or digits."""


class Ids:
    """Slack-shaped ids and timestamps, unique within one emulator."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self, prefix: str) -> str:
        """An id of ``prefix`` and at least eight digits (``F00000001``), as long as
        Slack's: a test can't pass with an id Slack would never hand out."""
        return f"{prefix}{next(self._counter):08d}"

    def ts(self) -> str:
        return f"{time.time():.0f}.{next(self._counter):06d}"
