"""What the emulated workspace holds and how it changes: people, conversations and
the messages in them, whether posted through the Web API or a response_url."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_emulator.state import SLACK_ID, Channel, Ids, Member, Message, ResponseUrl

GENERAL = "C0GENERAL"
"""#general: every member is in it; the bot is not, until a test adds it."""


def flag(payload: dict[str, Any], name: str) -> bool:
    """Slack takes ``true`` or the string ``"true"`` for a response_url's flags."""
    return payload.get(name) in (True, "true")


class Workspace:
    """The people, channels and direct messages of one workspace, and its messages."""

    def __init__(self, bot_user_id: str) -> None:
        self.bot_user_id = bot_user_id
        self.ids = Ids()
        self.members: dict[str, Member] = {}
        self.channels: dict[str, Channel] = {GENERAL: Channel(GENERAL, "general", "public")}
        self.messages: list[Message] = []
        self.add_member(bot_user_id, "Roster", None, is_bot=True)

    def add_member(
        self,
        user_id: str,
        name: str,
        email: str | None,
        *,
        is_bot: bool = False,
        deleted: bool = False,
        restricted: bool = False,
        ultra_restricted: bool = False,
    ) -> Member:
        """A person (or bot) in the workspace; people are in #general. ``deleted``:
        deactivated; ``restricted``/``ultra_restricted``: a multi- or single-channel
        guest."""
        if not SLACK_ID.match(user_id) or user_id[0] not in "UW":
            raise ValueError(f"{user_id!r} is not a Slack user id (U or W, then 8+ A-Z0-9)")
        member = Member(user_id, name, email, is_bot, deleted, restricted, ultra_restricted)
        self.members[user_id] = member
        if not is_bot:
            self.channels[GENERAL].members.add(user_id)
        return member

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        members: Iterable[str] = (),
        bot: bool = False,
        channel_id: str | None = None,
    ) -> str:
        """A channel (public unless ``private``), with ``members`` and, when ``bot``,
        the bot in it; returns its id (``channel_id``, or a new ``C…``, ``G…`` when
        private)."""
        channel_id = channel_id or self.ids.next("G" if private else "C")
        if not SLACK_ID.match(channel_id) or channel_id[0] not in "CG":
            raise ValueError(f"{channel_id!r} is not a Slack channel id (C or G, then 8+ A-Z0-9)")
        self.channels[channel_id] = Channel(
            channel_id,
            name,
            "private" if private else "public",
            set(members) | ({self.bot_user_id} if bot else set()),
            archived,
        )
        return channel_id

    def join(self, channel_id: str) -> None:
        """Someone invites the bot into the channel."""
        self.channels[channel_id].members.add(self.bot_user_id)

    def add_im(self, *users: str) -> str:
        """A direct message between people (the bot isn't in it); returns its id."""
        channel_id = self.ids.next("D")
        self.channels[channel_id] = Channel(channel_id, "", "im", set(users))
        return channel_id

    def dm_id(self, user_id: str) -> str:
        """The id of the bot's direct message with ``user_id``."""
        return "D" + user_id[1:]

    def im_with(self, user_id: str) -> Channel:
        """The bot's direct message with a member, opened on first use."""
        channel_id = self.dm_id(user_id)
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(channel_id, "", "im", {self.bot_user_id, user_id})
        return self.channels[channel_id]

    def conversation(self, channel_id: str) -> Channel | None:
        """The conversation with this id; the bot's direct message with any member
        exists as soon as someone asks for it, as the app's Messages tab does."""
        if channel_id in self.channels:
            return self.channels[channel_id]
        if channel_id.startswith("D"):
            for user_id in ("U" + channel_id[1:], "W" + channel_id[1:]):
                if user_id in self.members:
                    return self.im_with(user_id)
        return None

    def visible_in(self, channel_id: str) -> list[Message]:
        """What everyone in a channel sees: its messages, ephemeral ones left out."""
        return [m for m in self.messages if m.channel == channel_id and not m.ephemeral_to]

    def store_message(self, message: Message) -> Message:
        self.messages.append(message)
        return message

    def respond(self, url: ResponseUrl, payload: dict[str, Any]) -> Message | None:
        """What a post to a response_url does in the channel: ``delete_original``
        removes the message the interaction came from, ``replace_original`` replaces
        it (keeping who sees it), anything else is a new message, visible to the
        person alone unless ``response_type`` is ``in_channel``."""
        original = url.original
        if flag(payload, "delete_original"):
            if original is not None and original in self.messages:
                self.messages.remove(original)
            return None
        if flag(payload, "replace_original") and original is not None:
            original.text = payload.get("text", "")
            original.blocks = payload.get("blocks", [])
            original.edits += 1
            return original
        in_channel = payload.get("response_type") == "in_channel"
        message = self.store_message(
            Message(
                channel=url.channel_id,
                ts=self.ids.ts(),
                text=payload.get("text", ""),
                blocks=payload.get("blocks", []),
                user=self.bot_user_id,
                thread_ts=payload.get("thread_ts"),
                ephemeral_to=None if in_channel else url.user_id,
                response_type="in_channel" if in_channel else "ephemeral",
            )
        )
        if url.original is None:
            url.original = message
        return message
