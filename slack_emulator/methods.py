"""The Web API methods the emulator answers, each as strict as Slack's.

Every method names the bot scopes Slack requires (any one of them will do) and
its rate-limit tier, as its reference page does
(https://docs.slack.dev/reference/methods/<method>).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_emulator.limits import check_view
from slack_emulator.state import MODAL_STACK, Channel, Message, SlackError, StoredFile, View

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator

CHANNEL_ID = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")
"""The schema ``files.completeUploadExternal`` checks ``channel_id`` against."""


@dataclass(frozen=True)
class Spec:
    """What a method needs: one of ``scopes`` (none for views and auth.test) and its
    rate-limit ``tier`` (None: Slack's special tier, paced some other way)."""

    scopes: tuple[str, ...] = ()
    tier: int | None = 4


SPECS = {
    "auth.test": Spec(tier=None),
    "chat.postMessage": Spec(("chat:write",), tier=None),
    "chat.update": Spec(("chat:write",), tier=3),
    "chat.postEphemeral": Spec(("chat:write",), tier=4),
    "views.open": Spec(),
    "views.push": Spec(),
    "views.update": Spec(),
    "views.publish": Spec(),
    "users.info": Spec(("users:read",), tier=4),
    "users.lookupByEmail": Spec(("users:read.email",), tier=3),
    "conversations.open": Spec(("channels:manage", "groups:write", "im:write", "mpim:write"), 3),
    "conversations.info": Spec(tier=3),
    "files.upload": Spec(("files:write",), tier=2),
    "files.getUploadURLExternal": Spec(("files:write",), tier=4),
    "files.completeUploadExternal": Spec(("files:write",), tier=4),
    "files.info": Spec(("files:read",), tier=4),
}
_READ_SCOPE = {"public": "channels:read", "private": "groups:read", "im": "im:read"}
"""conversations.info needs the read scope of the kind of conversation asked about."""


def handlers(slack: SlackEmulator) -> dict[str, Any]:
    methods = _Methods(slack)
    return {
        "auth.test": methods.auth_test,
        "chat.postMessage": methods.post_message,
        "chat.update": methods.update_message,
        "chat.postEphemeral": methods.post_ephemeral,
        "views.open": methods.views_open,
        "views.push": methods.views_push,
        "views.update": methods.views_update,
        "views.publish": methods.views_publish,
        "users.info": methods.users_info,
        "users.lookupByEmail": methods.users_lookup_by_email,
        "conversations.open": methods.conversations_open,
        "conversations.info": methods.conversations_info,
        "files.upload": methods.files_upload_v1,
        "files.getUploadURLExternal": methods.get_upload_url,
        "files.completeUploadExternal": methods.complete_upload,
        "files.info": methods.files_info,
    }


def _require(args: dict[str, Any], *names: str) -> None:
    for name in names:
        if not args.get(name):
            raise SlackError("invalid_arguments", [f"[ERROR] missing required field: {name}"])


def view_hash(body: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


class _Methods:
    def __init__(self, slack: SlackEmulator) -> None:
        self.slack = slack

    async def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://roster-school.slack.com/",
            "team": "Roster School",
            "user": "roster",
            "team_id": self.slack.team_id,
            "user_id": self.slack.bot_user_id,
            "bot_id": "B0ROSTERBOT",
            "is_enterprise_install": False,
        }

    # -- messages ----------------------------------------------------------------------

    def _visible(self, channel_id: str) -> Channel:
        """A conversation the bot may see: a public channel, or a private channel or
        direct message it is in. Anything else is, to the bot, not there."""
        channel = self.slack.conversation(channel_id)
        if channel is None or (
            channel.kind != "public" and self.slack.bot_user_id not in channel.members
        ):
            raise SlackError("channel_not_found")
        return channel

    def _post_target(self, args: dict[str, Any]) -> Channel:
        """Where a post goes: a user id means the bot's direct message with them."""
        _require(args, "channel")
        target = str(args["channel"])
        if target.startswith(("U", "W")):
            if target not in self.slack.members:
                raise SlackError("channel_not_found")
            return self.slack.im_with(target)
        channel = self._visible(target)
        if channel.archived:
            raise SlackError("is_archived")
        if self.slack.bot_user_id not in channel.members and not (
            channel.kind == "public" and "chat:write.public" in self.slack.scopes
        ):
            raise SlackError("not_in_channel")
        return channel

    async def post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._post_target(args)
        self.slack.check_blocks(args)
        self.slack.pace_post(channel.id)
        message = self._store(channel.id, args)
        return {
            "channel": channel.id,
            "ts": message.ts,
            "message": {"ts": message.ts, "text": message.text, "user": message.user},
        }

    async def update_message(self, args: dict[str, Any]) -> dict[str, Any]:
        """Only in a conversation (a direct message by its ``D…`` id, never a user's),
        only the bot's own, non-ephemeral messages."""
        _require(args, "channel", "ts")
        channel = self._visible(str(args["channel"]))
        if channel.archived:
            raise SlackError("is_inactive")
        self.slack.check_blocks(args)
        message = next(
            (
                m
                for m in self.slack.messages
                if m.channel == channel.id and m.ts == args["ts"] and not m.ephemeral_to
            ),
            None,
        )
        if message is None:
            raise SlackError("message_not_found")
        if message.user != self.slack.bot_user_id:
            raise SlackError("cant_update_message")
        message.text = args.get("text", message.text)
        message.blocks = args.get("blocks", message.blocks)
        message.edits += 1
        return {"channel": channel.id, "ts": message.ts, "text": message.text}

    async def post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "user")
        channel = self._post_target(args)
        if args["user"] not in self.slack.members:
            raise SlackError("user_not_found")
        if args["user"] not in channel.members:
            raise SlackError("user_not_in_channel")
        self.slack.check_blocks(args)
        message = self._store(channel.id, args, ephemeral_to=args["user"])
        return {"message_ts": message.ts}

    def _store(
        self, channel: str, args: dict[str, Any], *, ephemeral_to: str | None = None
    ) -> Message:
        message = Message(
            channel=channel,
            ts=self.slack.ids.ts(),
            text=args.get("text", ""),
            blocks=args.get("blocks", []),
            user=self.slack.bot_user_id,
            thread_ts=args.get("thread_ts"),
            ephemeral_to=ephemeral_to,
        )
        return self.slack.store_message(message)

    # -- views -------------------------------------------------------------------------

    def _checked_view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        error, messages = check_view(view)
        if error:
            raise SlackError(error, messages)
        assert isinstance(view, dict)  # check_view refuses anything else
        return view

    def _answer(self, view: View) -> dict[str, Any]:
        body = {
            **view.body,
            "id": view.id,
            "hash": view.hash,
            "root_view_id": view.root_id,
            "state": {"values": {}},
            "team_id": self.slack.team_id,
            "app_id": view.app_id,
        }
        return {"view": body}

    async def views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        body = self._checked_view(args)
        if body["type"] != "modal":
            raise SlackError("invalid_arguments", ["[ERROR] only modals can be opened"])
        trigger = self.slack.use_trigger(args.get("trigger_id"))
        return self._open(body, trigger.user_id, args["trigger_id"], root_id=None)

    async def views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        body = self._checked_view(args)
        trigger = self.slack.use_trigger(args.get("trigger_id"))
        roots = [v for v in self.slack.views.values() if v.user_id == trigger.user_id and v.open]
        if not roots:
            raise SlackError("not_found")
        root_id = roots[-1].root_id
        if self.slack.stack_depth(root_id) >= MODAL_STACK:
            raise SlackError("push_limit_reached")
        return self._open(body, trigger.user_id, args["trigger_id"], root_id=root_id)

    def _open(
        self, body: dict[str, Any], user_id: str, trigger_id: str, *, root_id: str | None
    ) -> dict[str, Any]:
        """A new view on the stack of ``root_id``, or a new stack when None."""
        view_id = self.slack.ids.next("V")
        view = View(
            view_id,
            user_id,
            body,
            view_hash(body),
            root_id=root_id or view_id,
            trigger_id=trigger_id,
            app_id=self.slack.app_id,
        )
        self.slack.views[view_id] = view
        return self._answer(view)

    async def views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Only a view this app opened that is still open: a closed modal, or another
        app's, is ``not_found``; a stale ``hash`` is ``hash_conflict``."""
        if not args.get("view_id") and not args.get("external_id"):
            raise SlackError(
                "invalid_arguments", ["[ERROR] either view_id or external_id is required"]
            )
        body = self._checked_view(args)
        view = self.slack.views.get(args.get("view_id") or "")
        if view is None and args.get("external_id"):
            found = [
                v
                for v in self.slack.views.values()
                if v.body.get("external_id") == args["external_id"]
            ]
            view = found[-1] if found else None
        if view is None or not view.open or view.app_id != self.slack.app_id:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != view.hash:
            raise SlackError("hash_conflict")
        self.slack.replace_view(view, body)
        return self._answer(view)

    async def views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "user_id")
        body = self._checked_view(args)
        if body["type"] != "home":
            raise SlackError("invalid_arguments", ["[ERROR] only home views can be published"])
        if args["user_id"] not in self.slack.members:
            raise SlackError("user_not_found")
        published = self.slack.home_hashes.get(args["user_id"])
        if args.get("hash") and args["hash"] != published:
            raise SlackError("hash_conflict")
        self.slack.home[args["user_id"]] = body
        self.slack.home_hashes[args["user_id"]] = view_hash(body)
        view_id = self.slack.ids.next("V")
        return {"view": {**body, "id": view_id, "hash": view_hash(body)}}

    # -- people and conversations ------------------------------------------------------

    async def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """The user as Slack describes them; the email only with users:read.email."""
        _require(args, "user")
        member = self.slack.members.get(args["user"])
        if member is None:
            raise SlackError("user_not_found")
        email = "users:read.email" in self.slack.scopes
        return {"user": member.as_api(self.slack.team_id, email=email)}

    async def users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "email")
        for member in self.slack.members.values():
            if member.email and member.email.lower() == str(args["email"]).lower():
                return {"user": member.as_api(self.slack.team_id, email=True)}
        raise SlackError("users_not_found")

    async def conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "users")
        users = str(args["users"]).split(",")
        if any(u not in self.slack.members for u in users):
            raise SlackError("user_not_found")
        if any(self.slack.members[u].deleted for u in users):
            raise SlackError("user_disabled")
        return {"channel": {"id": self.slack.im_with(users[0]).id}}

    async def conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """Needs the read scope of the conversation's kind: channels:read for a public
        channel, groups:read for a private one, im:read for a direct message."""
        _require(args, "channel")
        channel = self._visible(str(args["channel"]))
        needed = _READ_SCOPE[channel.kind]
        if needed not in self.slack.scopes:
            raise SlackError("missing_scope", needed=needed, provided=self.slack.provided)
        return {"channel": channel.as_api(self.slack.bot_user_id)}

    # -- files -------------------------------------------------------------------------

    async def files_upload_v1(self, args: dict[str, Any]) -> dict[str, Any]:
        raise SlackError("method_deprecated", ["[ERROR] files.upload is retired; use v2"])

    async def get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "filename", "length")
        length = int(args["length"])
        if length < 1:
            raise SlackError("missing_argument")
        file_id = self.slack.ids.next("F")
        self.slack.files[file_id] = StoredFile(
            file_id, args["filename"], args["filename"], length, user=self.slack.bot_user_id
        )
        return {"upload_url": f"{self.slack.url}/upload/{file_id}", "file_id": file_id}

    async def complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """Checks the files and where they go; the share itself happens a moment after
        the answer, as in Slack, where the file's message appears asynchronously."""
        _require(args, "files")
        targets = self._share_targets(args)
        stored: list[StoredFile] = []
        for entry in args["files"]:
            found = self.slack.files.get(entry.get("id", ""))
            if found is None or not found.uploaded:
                raise SlackError("file_not_found")
            found.title = entry.get("title") or found.name
            stored.append(found)
        for channel in targets:
            self.slack.share_later(
                stored,
                channel,
                comment=args.get("initial_comment", ""),
                thread_ts=args.get("thread_ts"),
            )
        return {"files": [{"id": f.id, "title": f.title} for f in stored]}

    def _share_targets(self, args: dict[str, Any]) -> list[str]:
        """The conversations named by ``channel_id`` (or ``channels``): each must be a
        conversation id (a user id is refused, as Slack's schema refuses it) that the
        bot is in."""
        wanted = [("/channel_id", str(args["channel_id"]))] if args.get("channel_id") else []
        wanted += [("/channels", c) for c in str(args.get("channels") or "").split(",") if c]
        for pointer, channel_id in wanted:
            if not CHANNEL_ID.match(channel_id):
                raise SlackError(
                    "invalid_arguments",
                    [
                        f"[ERROR] input must match regex pattern: {CHANNEL_ID.pattern} "
                        f"[json-pointer:{pointer}]"
                    ],
                )
            channel = self._visible(channel_id)
            if self.slack.bot_user_id not in channel.members:
                raise SlackError("not_in_channel")
        return [channel_id for _, channel_id in wanted]

    async def files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "file")
        stored = self.slack.files.get(args["file"])
        if stored is None or not stored.visible:
            raise SlackError("file_not_found")
        return {"file": self.slack.file_json(stored)}
