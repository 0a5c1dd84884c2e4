"""The Slack platform's side of an app: signed commands, clicks, submissions, events.

Everything the driver sends is what Slack would send, signed with the app's
signing secret, and a click is only possible on an element the user can see.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from slack_emulator import events
from slack_emulator.escaping import as_slack_sends
from slack_emulator.events import APP_ID
from slack_emulator.limits import check_view
from slack_emulator.server import SlackEmulator
from slack_emulator.state import Call, Message, StoredFile, View
from slack_emulator.transport import TIMED_OUT, Delivery, HttpTransport, SocketTransport


@dataclass
class Reply:
    """A message posted to a response_url: what the user sees after a command or click."""

    payload: dict[str, Any]
    response_url: str
    channel_id: str
    message: Message | None = None
    """What the post became in the channel, for a click on it to act on."""

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = self.payload.get("blocks", [])
        return blocks

    @property
    def text(self) -> str:
        """All the text a reader sees, for assertions: the fallback and every block."""
        return "\n".join([self.payload.get("text", ""), *block_texts(self.blocks)])


@dataclass
class HomeTab:
    user_id: str
    body: dict[str, Any]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = self.body["blocks"]
        return blocks

    @property
    def text(self) -> str:
        return "\n".join(block_texts(self.blocks))


Surface = Reply | View | HomeTab | Message


@dataclass
class Interaction:
    """One request the driver sent, and ways to wait for what followed it."""

    driver: SlackDriver
    user_id: str
    status: int
    body: str
    call_mark: int
    response_url: str | None = None
    channel_id: str = ""
    trigger_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    delivery: Delivery | None = None
    """Every try Slack made at this request (events are retried) and each answer."""

    @property
    def ack(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body.startswith("{") else {}

    @property
    def timed_out(self) -> bool:
        """Slack stopped waiting: the app took longer than 3 seconds to answer."""
        return self.status == TIMED_OUT

    async def reply(self, number: int = 1, *, timeout: float = 5.0) -> Reply:
        """The ``number``-th message posted to this interaction's response_url."""
        assert self.response_url, "this interaction has no response_url"
        slack = self.driver.slack
        posts = slack.responses(self.response_url)
        await slack.wait_for(lambda: len(posts) >= number, timeout=timeout)
        made = slack.response_urls[self.response_url.rsplit("/", 1)[1]].messages[number - 1]
        return Reply(posts[number - 1], self.response_url, self.channel_id, made)

    async def modal(self, *, timeout: float = 5.0) -> View:
        """The modal opened with this interaction's trigger_id."""
        views = self.driver.slack.views

        def opened() -> View | None:
            found = [v for v in views.values() if v.trigger_id == self.trigger_id]
            return found[-1] if found else None

        return await self.driver.slack.wait_for(opened, timeout=timeout)

    async def call(self, method: str, *, timeout: float = 5.0) -> Call:
        """The first successful Web API call to ``method`` made after this interaction."""
        calls = self.driver.slack.calls

        def made() -> Call | None:
            found = [c for c in calls[self.call_mark :] if c.method == method and c.ok]
            return found[0] if found else None

        return await self.driver.slack.wait_for(made, timeout=timeout)


class SlackDriver:
    """Plays Slack's side: what people do becomes the requests Slack sends the app,
    over signed HTTP or, with ``socket_mode``, over the app's Socket Mode connection.

    ``channels`` names more channels a typed ``#name`` refers to (name to id), besides
    the workspace's public channels, which Slack links for anyone who types them.
    """

    def __init__(
        self,
        slack: SlackEmulator,
        app_url: str,
        signing_secret: str,
        session: aiohttp.ClientSession,
        *,
        socket_mode: bool = False,
        channels: dict[str, str] | None = None,
        retry_delays: tuple[float, ...] = (0.0, 0.0, 0.0),
    ) -> None:
        self.slack = slack
        self.events_url = f"{app_url.rstrip('/')}/slack/events"
        self.session = session
        self.channels = {"general": "C0GENERAL", **(channels or {})}
        self.http = HttpTransport(
            self.events_url, signing_secret, session, retry_delays=retry_delays
        )
        self.transport: HttpTransport | SocketTransport = (
            SocketTransport(slack.socket_mode) if socket_mode else self.http
        )

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """One signed HTTP request, whatever the mode: (status, body)."""
        attempt = await self.http.post(
            body,
            content_type,
            timestamp=timestamp,
            signature=signature,
            extra_headers=extra_headers,
        )
        return attempt.status, attempt.body

    def typed(self, text: str) -> str:
        """What Slack sends for ``text`` as a person typed it (see escaping.py)."""
        handles = {
            u: m.as_api(self.slack.team_id, email=False)["name"]
            for u, m in self.slack.members.items()
        }
        public = {c.name: c.id for c in self.slack.channels.values() if c.kind == "public"}
        return as_slack_sends(text, members=handles, channels={**public, **self.channels})

    def _user(self, user_id: str) -> dict[str, str]:
        member = self.slack.members[user_id]
        return {"id": user_id, "username": member.name, "team_id": self.slack.team_id}

    def _interaction(
        self, delivery: Delivery, user_id: str, mark: int, **known: Any
    ) -> Interaction:
        return Interaction(
            self, user_id, delivery.status, delivery.body, mark, delivery=delivery, **known
        )

    async def command(
        self,
        user_id: str,
        text: str,
        *,
        command: str = "/group",
        channel_id: str = "C0GENERAL",
        raw: bool = False,
    ) -> Interaction:
        """The person types ``command text``. The text goes through Slack's escaping,
        as ``should_escape: true`` in the manifest asks; ``raw`` sends it as given,
        already in Slack's form."""
        response_url = self.slack.issue_response_url(user_id, channel_id)
        trigger_id = self.slack.issue_trigger(user_id)
        fields = {
            "token": "legacy-verification-token",
            "team_id": self.slack.team_id,
            "team_domain": "roster-school",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": self.slack.members[user_id].name,
            "command": command,
            "text": text if raw else self.typed(text),
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        mark = len(self.slack.calls)
        return self._interaction(
            await self.transport.command(fields),
            user_id,
            mark,
            response_url=response_url,
            channel_id=channel_id,
            trigger_id=trigger_id,
        )

    async def _interactive(
        self, payload: dict[str, Any], user_id: str, **known: Any
    ) -> Interaction:
        mark = len(self.slack.calls)
        return self._interaction(await self.transport.interactive(payload), user_id, mark, **known)

    async def click(
        self,
        user_id: str,
        surface: Surface,
        action_id: str,
        *,
        value: str | None = None,
        option: str | None = None,
    ) -> Interaction:
        """Clicks a visible element: the button with ``value`` (or the first with
        ``action_id``), or the menu offering ``option``, which it picks."""
        block_id, element = find_element(_blocks_of(surface), action_id, value, option)
        action: dict[str, Any] = {
            "type": element["type"],
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if element["type"] == "button":
            action["value"] = element.get("value", "")
        else:
            action["selected_option"] = _pick_option(element, option)
        trigger_id = self.slack.issue_trigger(user_id)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "team": {"id": self.slack.team_id, "domain": "roster-school"},
            "trigger_id": trigger_id,
            "actions": [action],
        }
        known: dict[str, Any] = {"trigger_id": trigger_id}
        if isinstance(surface, Reply):
            response_url = self.slack.issue_response_url(
                user_id, surface.channel_id, original=surface.message
            )
            payload["container"] = {
                "type": "message",
                "message_ts": "0",
                "channel_id": surface.channel_id,
                "is_ephemeral": True,
            }
            payload["channel"] = {"id": surface.channel_id}
            payload["response_url"] = response_url
            known |= {"response_url": response_url, "channel_id": surface.channel_id}
        elif isinstance(surface, Message):
            response_url = self.slack.issue_response_url(user_id, surface.channel, original=surface)
            payload["container"] = {
                "type": "message",
                "message_ts": surface.ts,
                "channel_id": surface.channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": surface.channel}
            payload["message"] = {"ts": surface.ts, "text": surface.text, "blocks": surface.blocks}
            payload["response_url"] = response_url
            known |= {"response_url": response_url, "channel_id": surface.channel}
        elif isinstance(surface, View):
            payload["container"] = {"type": "view", "view_id": surface.id}
            payload["view"] = {
                **surface.body,
                "id": surface.id,
                "hash": surface.hash,
                "state": {"values": {}},
            }
        else:
            payload["container"] = {"type": "view", "view_id": "VHOME" + user_id}
            payload["view"] = {**surface.body, "id": "VHOME" + user_id, "state": {"values": {}}}
        return await self._interactive(payload, user_id, **known)

    async def submit(self, user_id: str, view: View, values: dict[str, Any]) -> Interaction:
        """Submits a modal with ``values`` keyed by block_id, then applies the ack like
        Slack; an ack later than 3 seconds is ignored, and the modal stays as it was.

        Only the person a modal was opened for can submit it, as in Slack.
        """
        if view.user_id != user_id or not view.open:
            raise LookupError(f"{user_id} has no open modal {view.id}")
        payload = {
            "type": "view_submission",
            "team": {"id": self.slack.team_id, "domain": "roster-school"},
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self.slack.issue_trigger(user_id),
            "view": {
                **view.body,
                "id": view.id,
                "hash": view.hash,
                "root_view_id": view.root_id,
                "state": {"values": _state_values(view.body["blocks"], values)},
            },
            "response_urls": [],
        }
        interaction = await self._interactive(payload, user_id)
        if interaction.status == 200:
            _apply_view_ack(self.slack, view, interaction.ack)
        return interaction

    # -- events ----------------------------------------------------------------------

    async def event(
        self, user_id: str, event: dict[str, Any], *, event_id: str | None = None
    ) -> Interaction:
        """Delivers one event as Slack does, retrying when the app fails or is slow."""
        envelope = events.callback(self.slack, event, event_id)
        mark = len(self.slack.calls)
        interaction = self._interaction(await self.transport.event(envelope), user_id, mark)
        interaction.extra |= {"event_id": envelope["event_id"], "envelope": envelope}
        return interaction

    async def redeliver(self, interaction: Interaction, *, reason: str = "http_timeout") -> int:
        """Slack sends the event again as its retry, as when it counted the first
        delivery as failed (an answer lost or too late); returns the app's status."""
        retry = len(interaction.delivery.attempts) if interaction.delivery else 1
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason}
        body = json.dumps(interaction.extra["envelope"])
        attempt = await self.http.post(body, "application/json", extra_headers=headers)
        return attempt.status

    async def open_home(self, user_id: str, *, event_id: str | None = None) -> Interaction:
        return await self.event(
            user_id, events.app_home_opened(self.slack, user_id), event_id=event_id
        )

    def _person_says(self, user_id: str, text: str, *, thread_ts: str | None = None) -> Message:
        """The message as Slack stores it: escaped, in the person's direct message."""
        channel = self.slack.dm_id(user_id)
        message = Message(channel, self.slack.ids.ts(), self.typed(text), [], user_id, thread_ts)
        return self.slack.store_message(message)

    async def dm(
        self,
        user_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        event_id: str | None = None,
    ) -> Interaction:
        """The person writes ``text`` in their direct message with the app."""
        message = self._person_says(user_id, text, thread_ts=thread_ts)
        event = events.person_message(self.slack, message, text)
        interaction = await self.event(user_id, event, event_id=event_id)
        interaction.extra["message"] = message
        return interaction

    async def edit_dm(self, user_id: str, message: Message, text: str) -> Interaction:
        """The person edits a message they sent (``message_changed``)."""
        before = Message(message.channel, message.ts, message.text, [], message.user)
        message.text, message.edits = self.typed(text), message.edits + 1
        return await self.event(user_id, events.message_changed(self.slack, before, message))

    async def delete_dm(self, user_id: str, message: Message) -> Interaction:
        """The person deletes a message they sent (``message_deleted``)."""
        self.slack.messages.remove(message)
        return await self.event(user_id, events.message_deleted(self.slack, message))

    async def integration_dm(
        self, user_id: str, text: str, *, bot_id: str = "B0OTHERBOT", username: str = "Reminders"
    ) -> Interaction:
        """Another integration posts in the direct message (``bot_message``)."""
        channel = self.slack.dm_id(user_id)
        message = Message(channel, self.slack.ids.ts(), self.typed(text), [], "")
        self.slack.store_message(message)
        return await self.event(
            user_id, events.bot_message(message, bot_id=bot_id, username=username)
        )

    async def echo(self, message: Message) -> Interaction:
        """The app's own message in a direct message, which ``message.im`` delivers
        back to it like any other."""
        return await self.event(self.slack.bot_user_id, events.app_message(self.slack, message))

    async def share_in_dm(
        self, user_id: str, text: str, stored: StoredFile, *, event_id: str | None = None
    ) -> Interaction:
        """The person drops a file into their direct message with the app, with a
        message: the ``message`` event (subtype ``file_share``) Slack sends."""
        message = self._person_says(user_id, text)
        message.files.append(stored.id)
        return await self.event(user_id, events.file_share(self.slack, message), event_id=event_id)

    async def user_changed(self, user_id: str, *, deleted: bool) -> Interaction:
        """A workspace admin deactivates (``deleted``) or reactivates an account; from
        then on ``users.info`` says so too."""
        self.slack.members[user_id].deleted = deleted
        return await self.event(user_id, events.user_change(self.slack, user_id, deleted=deleted))

    async def uninstall(self) -> list[Interaction]:
        """The workspace removes the app: its token stops working, and Slack sends
        ``tokens_revoked`` and then ``app_uninstalled``."""
        self.slack.uninstall()
        bot = self.slack.bot_user_id
        return [
            await self.event(bot, events.tokens_revoked(self.slack)),
            await self.event(bot, events.app_uninstalled()),
        ]

    async def verify_url(self) -> bool:
        """Slack's check of a new request URL: the app must answer the challenge
        (as plain text, JSON or a form; docs.slack.dev/reference/events/url_verification)."""
        challenge = uuid.uuid4().hex
        body = {"token": "legacy-verification-token", "challenge": challenge}
        attempt = await self.http.post(
            json.dumps({**body, "type": "url_verification"}), "application/json"
        )
        if attempt.status != 200:
            return False
        answer = attempt.body.strip()
        if answer.startswith("{"):
            echoed: str | None = json.loads(answer).get("challenge")
            return echoed == challenge
        parsed = urllib.parse.parse_qs(answer)
        return answer == challenge or parsed.get("challenge") == [challenge]

    async def home(self, user_id: str, *, timeout: float = 5.0) -> HomeTab:
        """Opens the App Home tab and returns it once the app has published it."""
        interaction = await self.open_home(user_id)
        await interaction.call("views.publish", timeout=timeout)
        return HomeTab(user_id, self.slack.home[user_id])


def _blocks_of(surface: Surface) -> list[dict[str, Any]]:
    return surface.body["blocks"] if isinstance(surface, View) else surface.blocks


def find_element(
    blocks: list[dict[str, Any]],
    action_id: str,
    value: str | None = None,
    option: str | None = None,
) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        elements = list(block.get("elements", [])) if block["type"] == "actions" else []
        for key in ("accessory", "element"):
            if key in block:
                elements.append(block[key])
        for element in elements:
            if element.get("action_id") != action_id:
                continue
            if value is not None and element.get("value") != value:
                continue
            offered = [o["value"] for o in element.get("options", [])]
            if option is not None and option not in offered:
                continue
            return block.get("block_id", ""), element
    shown = [
        e.get("action_id")
        for b in blocks
        for e in [*b.get("elements", []), b.get("accessory", {})]
        if isinstance(e, dict) and e.get("action_id")
    ]
    raise LookupError(f"no element {action_id!r} on this surface; it shows {shown}")


def _pick_option(element: dict[str, Any], value: str | None) -> dict[str, Any]:
    options: list[dict[str, Any]] = element.get("options", [])
    for option in options:
        if option["value"] == value:
            return option
    raise LookupError(f"option {value!r} is not offered by {element.get('action_id')!r}")


_INITIAL = {
    "plain_text_input": "initial_value",
    "email_text_input": "initial_value",
    "url_text_input": "initial_value",
    "number_input": "initial_value",
    "users_select": "initial_user",
    "multi_users_select": "initial_users",
    "conversations_select": "initial_conversation",
}


def _initial(element: dict[str, Any]) -> Any:
    """What an input the person left alone submits: its initial value, as Slack does."""
    kind = element["type"]
    if kind in {"checkboxes", "multi_static_select"}:
        return [o["value"] for o in element.get("initial_options", [])]
    if kind in {"static_select", "radio_buttons"}:
        return (element.get("initial_option") or {}).get("value")
    return element.get(_INITIAL.get(kind, ""))


def _state_values(blocks: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    """Slack's ``view.state.values`` for the typed ``values`` (keyed by block_id); an
    input not named keeps its initial value, as one the person did not touch."""
    inputs = {b["block_id"]: b["element"] for b in blocks if b["type"] == "input"}
    unknown = set(values) - set(inputs)
    if unknown:
        raise LookupError(f"the modal has no inputs {sorted(unknown)}; it has {sorted(inputs)}")
    state: dict[str, Any] = {}
    for block_id, element in inputs.items():
        value = values[block_id] if block_id in values else _initial(element)
        kind = element["type"]
        entry: dict[str, Any] = {"type": kind}
        if kind in {"plain_text_input", "email_text_input", "url_text_input", "number_input"}:
            entry["value"] = None if value is None else str(value)
        elif kind in {"multi_static_select", "checkboxes"}:
            entry["selected_options"] = [_pick_option(element, v) for v in value or []]
        elif kind in {"static_select", "radio_buttons"}:
            entry["selected_option"] = _pick_option(element, value) if value else None
        elif kind == "multi_users_select":
            entry["selected_users"] = list(value or [])
        elif kind == "users_select":
            entry["selected_user"] = value
        elif kind == "conversations_select":
            entry["selected_conversation"] = value
        elif kind == "file_input":
            entry["files"] = list(value or [])  # as SlackEmulator.file_payload gives them
        else:
            raise LookupError(f"the driver cannot fill a {kind} yet")
        state[block_id] = {element["action_id"]: entry}
    return state


def _apply_view_ack(slack: SlackEmulator, view: View, ack: dict[str, Any]) -> None:
    """What Slack does with a view_submission's ack: close, update or keep the modal.
    An update is a new version of the view, with a new hash."""
    action = ack.get("response_action")
    if action == "update":
        error, messages = check_view(ack["view"])
        if error:
            raise AssertionError(f"Slack would refuse this update: {error} {messages}")
        slack.replace_view(view, ack["view"])
    elif action == "errors":
        return
    else:
        view.open = False


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every piece of text in the blocks, in reading order."""
    texts: list[str] = []
    for block in blocks:
        for key in ("text", "label"):
            if isinstance(block.get(key), dict):
                texts.append(block[key]["text"])
        texts.extend(f["text"] for f in block.get("fields", []))
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") in {"mrkdwn", "plain_text"}:
                texts.append(element["text"])
            elif isinstance(element.get("text"), dict):
                texts.append(element["text"]["text"])
    return texts
