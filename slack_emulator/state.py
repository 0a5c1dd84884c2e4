"""What the emulated workspace holds: people, messages, views, files, calls."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
MODAL_STACK = 3


class SlackError(Exception):
    """An ``ok: false`` answer with Slack's error code and detail messages."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        self.error = error
        self.messages = messages or []


@dataclass
class Call:
    """One Web API call as the emulator received it, and what it answered."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None = None


@dataclass
class Member:
    id: str
    name: str
    email: str | None
    is_bot: bool = False

    def as_api(self, team_id: str) -> dict[str, Any]:
        profile = {"real_name": self.name, "display_name": self.name}
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name.lower().replace(" ", "."),
            "real_name": self.name,
            "is_bot": self.is_bot,
            "deleted": False,
            "profile": profile,
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


@dataclass
class View:
    id: str
    user_id: str
    body: dict[str, Any]
    hash: str
    root_id: str
    trigger_id: str | None = None
    open: bool = True


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


class Ids:
    """Slack-shaped ids and timestamps, unique within one emulator."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08d}"

    def ts(self) -> str:
        return f"{time.time():.0f}.{next(self._counter):06d}"
