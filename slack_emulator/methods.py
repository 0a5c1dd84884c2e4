"""The Web API methods the emulator answers, each as strict as Slack's."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from slack_emulator.limits import check_view
from slack_emulator.state import MODAL_STACK, Message, SlackError, StoredFile, View

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator


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
        "files.upload": methods.files_upload_v1,
        "files.getUploadURLExternal": methods.get_upload_url,
        "files.completeUploadExternal": methods.complete_upload,
        "files.info": methods.files_info,
    }


def _require(args: dict[str, Any], *names: str) -> None:
    for name in names:
        if not args.get(name):
            raise SlackError("invalid_arguments", [f"[ERROR] missing required field: {name}"])


def _view_hash(body: dict[str, Any]) -> str:
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

    def _channel(self, args: dict[str, Any]) -> str:
        _require(args, "channel")
        channel = str(args["channel"])
        if channel.startswith("U") and channel not in self.slack.members:
            raise SlackError("channel_not_found")
        return channel

    async def post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._store(channel, args)
        return {"channel": channel, "ts": message.ts, "message": {"ts": message.ts}}

    async def update_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        _require(args, "ts")
        self.slack.check_blocks(args)
        for message in self.slack.messages:
            if message.channel == channel and message.ts == args["ts"] and not message.ephemeral_to:
                message.text = args.get("text", message.text)
                message.blocks = args.get("blocks", message.blocks)
                message.edits += 1
                return {"channel": channel, "ts": message.ts}
        raise SlackError("message_not_found")

    async def post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        _require(args, "user")
        if args["user"] not in self.slack.members:
            raise SlackError("user_not_found")
        message = self._store(channel, args, ephemeral_to=args["user"])
        return {"message_ts": message.ts}

    def _store(
        self, channel: str, args: dict[str, Any], *, ephemeral_to: str | None = None
    ) -> Message:
        self.slack.check_blocks(args)
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

    def _checked_view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        error, messages = check_view(view)
        if error:
            raise SlackError(error, messages)
        return view

    def _answer(self, view: View) -> dict[str, Any]:
        body = {
            **view.body,
            "id": view.id,
            "hash": view.hash,
            "root_view_id": view.root_id,
            "state": {"values": {}},
            "team_id": self.slack.team_id,
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
            _view_hash(body),
            root_id=root_id or view_id,
            trigger_id=trigger_id,
        )
        self.slack.views[view_id] = view
        return self._answer(view)

    async def views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        body = self._checked_view(args)
        view = self.slack.views.get(args.get("view_id", ""))
        if view is None and args.get("external_id"):
            found = [
                v
                for v in self.slack.views.values()
                if v.body.get("external_id") == args["external_id"]
            ]
            view = found[-1] if found else None
        if view is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != view.hash:
            raise SlackError("hash_conflict")
        view.body, view.hash = body, _view_hash(body)
        return self._answer(view)

    async def views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "user_id")
        body = self._checked_view(args)
        if body["type"] != "home":
            raise SlackError("invalid_arguments", ["[ERROR] only home views can be published"])
        if args["user_id"] not in self.slack.members:
            raise SlackError("user_not_found")
        self.slack.home[args["user_id"]] = body
        view_id = self.slack.ids.next("V")
        return {"view": {**body, "id": view_id, "hash": _view_hash(body)}}

    async def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "user")
        member = self.slack.members.get(args["user"])
        if member is None:
            raise SlackError("user_not_found")
        return {"user": member.as_api(self.slack.team_id)}

    async def users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "email")
        for member in self.slack.members.values():
            if member.email and member.email.lower() == str(args["email"]).lower():
                return {"user": member.as_api(self.slack.team_id)}
        raise SlackError("users_not_found")

    async def conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "users")
        users = str(args["users"]).split(",")
        if any(u not in self.slack.members for u in users):
            raise SlackError("user_not_found")
        return {"channel": {"id": "D" + users[0].removeprefix("U")}}

    async def files_upload_v1(self, args: dict[str, Any]) -> dict[str, Any]:
        raise SlackError("method_deprecated", ["[ERROR] files.upload is retired; use v2"])

    async def get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "filename", "length")
        file_id = self.slack.ids.next("F")
        length = int(args["length"])
        self.slack.files[file_id] = StoredFile(
            file_id, args["filename"], args["filename"], length, user=self.slack.bot_user_id
        )
        return {"upload_url": f"{self.slack.url}/upload/{file_id}", "file_id": file_id}

    async def complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "files")
        entries = args["files"]
        shared = []
        for entry in entries:
            stored = self.slack.files.get(entry.get("id", ""))
            if stored is None or not stored.uploaded:
                raise SlackError("file_not_found")
            stored.title = entry.get("title") or stored.name
            channel = str(args.get("channel_id") or "")
            if channel.startswith(("C", "G")) and channel not in self.slack.joined:
                raise SlackError("not_in_channel")
            if args.get("channel_id"):
                stored.shared_to.append(args["channel_id"])
                self.slack.store_message(
                    Message(
                        channel=args["channel_id"],
                        ts=self.slack.ids.ts(),
                        text=args.get("initial_comment", ""),
                        blocks=[],
                        user=self.slack.bot_user_id,
                        thread_ts=args.get("thread_ts"),
                        files=[stored.id],
                    )
                )
            shared.append(self.slack.file_json(stored))
        return {"files": shared}

    async def files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "file")
        stored = self.slack.files.get(args["file"])
        if stored is None or not stored.visible:
            raise SlackError("file_not_found")
        return {"file": self.slack.file_json(stored)}
