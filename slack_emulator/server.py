"""The Web API half of the emulator: an aiohttp app on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from aiohttp import web

from slack_emulator import methods
from slack_emulator.limits import check_message_blocks
from slack_emulator.rates import RateLimits
from slack_emulator.socket_mode import SocketMode
from slack_emulator.state import (
    RESPONSE_URL_SECONDS,
    RESPONSE_URL_USES,
    TRIGGER_SECONDS,
    Call,
    Download,
    Message,
    RateLimited,
    ResponseUrl,
    SlackError,
    StoredFile,
    Trigger,
    View,
)
from slack_emulator.workspace import Workspace, flag

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
T = TypeVar("T")
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
APP_ID = "A0ROSTER"


@functools.cache
def manifest_scopes(path: Path = MANIFEST) -> tuple[str, ...]:
    """The bot scopes the app's manifest asks for: what its token holds once installed."""
    manifest = yaml.safe_load(path.read_text())
    return tuple(manifest["oauth_config"]["scopes"]["bot"])


class SlackEmulator(Workspace):
    """Stateful and strict: it records every call and refuses what Slack refuses."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-roster-test",
        team_id: str = "T0ROSTER",
        bot_user_id: str = "U0ROSTERBOT",
        app_token: str = "xapp-1-A0ROSTER-1-roster-test",
        scopes: Iterable[str] | None = None,
        rate_scale: float = 1.0,
        share_delay: float = 0.01,
    ) -> None:
        """``scopes``: what the bot token holds (default: the manifest's bot scopes);
        ``rate_scale``: real seconds per second of Slack's rate limits (1: Slack's
        pace, 0.05: twenty times faster, 0: no limits); ``share_delay``: how long after
        files.completeUploadExternal answers the file's message appears."""
        super().__init__(bot_user_id)
        self.bot_token = bot_token
        self.revoked: set[str] = set()
        """Tokens Slack no longer takes: the app was uninstalled or they were revoked."""
        self.team_id = team_id
        self.app_id = APP_ID
        self.scopes = tuple(manifest_scopes() if scopes is None else scopes)
        self.rates = RateLimits(rate_scale)
        self.share_delay = share_delay
        self.views: dict[str, View] = {}
        self.home: dict[str, dict[str, Any]] = {}
        self.home_hashes: dict[str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.calls: list[Call] = []
        self.downloads: list[Download] = []
        self._redirects: tuple[int, str | None] = (0, None)
        self._rate_limits: dict[str, tuple[int, int]] = {}
        self._shares: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self._methods: dict[str, Handler] = methods.handlers(self)
        self.socket_mode = SocketMode(self, app_token=app_token, app_id="A0ROSTER")

    # -- the token, and set-up used by tests and the demo ------------------------------

    @property
    def provided(self) -> str:
        """The token's scopes, as ``missing_scope`` answers name them."""
        return ",".join(self.scopes)

    def user_upload(
        self,
        user_id: str,
        name: str,
        content: bytes,
        *,
        connect: bool = False,
        visible: bool = True,
    ) -> StoredFile:
        """A file a person put in Slack (e.g. in a modal's file input), which the app
        may then download with its bot token. ``connect``: shared from a Slack Connect
        workspace, so payloads carry only a stub; ``visible=False``: not shared with
        the bot, so ``files.info`` and downloads refuse it."""
        file_id = self.ids.next("F")
        stored = StoredFile(
            file_id,
            name,
            name,
            len(content),
            content,
            uploaded=True,
            user=user_id,
            connect=connect,
            visible=visible,
        )
        stored.shared_to.append(user_id)
        self.files[file_id] = stored
        return stored

    def file_json(self, stored: StoredFile) -> dict[str, Any]:
        """The whole file object, as ``files.info`` answers it."""
        base = f"{self.url}/files-pri/{stored.id}"
        return {
            "id": stored.id,
            "name": stored.name,
            "title": stored.title,
            "user": stored.user,
            "size": stored.length,
            "mode": "hosted",
            "filetype": stored.name.rsplit(".", 1)[-1].lower() if "." in stored.name else "",
            "url_private": f"{base}/{stored.name}",
            "url_private_download": f"{base}/download",
            "file_access": "visible",
        }

    def file_payload(self, stored: StoredFile) -> dict[str, Any]:
        """The file as an event or a file input carries it: whole, or for a file from
        a Slack Connect workspace the stub that says to ask ``files.info``."""
        if not stored.connect:
            return self.file_json(stored)
        return {
            "id": stored.id,
            "mode": "file_access",
            "file_access": "check_file_info",
            "created": 0,
            "timestamp": 0,
            "user": "",
        }

    @contextlib.contextmanager
    def unlimited(self) -> Iterator[None]:
        """No rate limits meanwhile: for a test that sets its scene straight in Slack,
        posting faster than Slack's pace, before Roster's own calls are paced again."""
        scale, self.rates.scale = self.rates.scale, 0
        try:
            yield
        finally:
            self.rates.scale = scale

    def redirect_downloads(self, hops: int, *, host: str | None = None) -> None:
        """Every later download answers ``hops`` redirects before the file, as Slack's
        file hosts may; with ``host`` (e.g. ``localhost``, another name for this
        emulator) the redirects point there, so a test sees where a client goes."""
        self._redirects = (hops, host)

    def rate_limit(self, method: str, *, times: int, retry_after: int = 1) -> None:
        """The next ``times`` calls to ``method`` answer 429 with ``Retry-After``."""
        self._rate_limits[method] = (times, retry_after)

    def uninstall(self) -> None:
        """The workspace removes the app: its bot token stops working at once."""
        self.revoked.add(self.bot_token)

    def reinstall(self, bot_token: str) -> None:
        """Installed again, with a new bot token."""
        self.bot_token = bot_token

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{self.ids.next('')}.{self.team_id}.trigger"
        self.triggers[trigger_id] = Trigger(user_id, time.monotonic())
        return trigger_id

    def issue_response_url(
        self, user_id: str, channel_id: str, *, original: Message | None = None
    ) -> str:
        """A response_url for an interaction in ``channel_id``; ``original`` is the
        message it came from, which ``replace_original``/``delete_original`` act on."""
        token = self.ids.next("R")
        self.response_urls[token] = ResponseUrl(
            user_id, channel_id, time.monotonic(), original=original
        )
        return f"{self.url}/response/{token}"

    def foreign_view(self, user_id: str, body: dict[str, Any]) -> View:
        """A modal another app opened for ``user_id``: not this app's to update."""
        view_id = self.ids.next("V")
        view = View(view_id, user_id, body, "", view_id, app_id="A0ANOTHERAPP")
        self.views[view_id] = view
        return view

    # -- what tests read ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def refused(self, error: str) -> list[Call]:
        """Calls answered with ``error`` (e.g. ``ratelimited``, ``not_in_channel``)."""
        return [c for c in self.calls if c.error == error]

    def responses(self, response_url: str) -> list[dict[str, Any]]:
        return self.response_urls[response_url.rsplit("/", 1)[1]].posts

    async def wait_for(self, predicate: Callable[[], T | None], *, timeout: float = 5.0) -> T:
        """Waits until ``predicate()`` is truthy, re-checking on every change; returns it."""
        async with self._changed:
            result = await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        assert result is not None  # a truthy result
        return result

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- serving -----------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/download", self._download)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        self.socket_mode.add_routes(app)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def stop(self) -> None:
        for share in list(self._shares):
            share.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        status = 200
        try:
            if method == "apps.connections.open":
                body = {"ok": True, **self.socket_mode.open_connection(_token(request, args))}
                self.calls.append(Call(method, args, ok=True))
                await self._notify()
                return web.json_response(body)
            self._authenticate(request, args)
            self._forced_limit(method)
            handler = self._methods.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            self._check_scopes(method)
            self._check_tier(method)
            body = {"ok": True, **await handler(args)}
            self.calls.append(Call(method, args, ok=True))
            headers = {}
        except RateLimited as limited:
            body, status = {"ok": False, "error": "ratelimited"}, 429
            headers = {"Retry-After": str(limited.retry_after)}
            self.calls.append(Call(method, args, ok=False, error="ratelimited"))
        except SlackError as error:
            body = {"ok": False, "error": error.error, **error.fields}
            if error.messages:
                body["response_metadata"] = {"messages": error.messages}
            self.calls.append(Call(method, args, ok=False, error=error.error))
            headers = {}
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _forced_limit(self, method: str) -> None:
        limited = self._rate_limits.get(method)
        if limited and limited[0] > 0:
            self._rate_limits[method] = (limited[0] - 1, limited[1])
            raise RateLimited(limited[1])

    def _check_scopes(self, method: str) -> None:
        """Slack's ``missing_scope``: the method wants one of ``needed``."""
        needed = methods.SPECS[method].scopes
        if needed and not set(needed) & set(self.scopes):
            raise SlackError("missing_scope", needed=",".join(needed), provided=self.provided)

    def _check_tier(self, method: str) -> None:
        tier = methods.SPECS[method].tier
        retry_after = self.rates.tier(method, tier) if tier else None
        if retry_after:
            raise RateLimited(retry_after)

    def pace_post(self, channel_id: str) -> None:
        """One more post in a channel, within Slack's pace of about one a second."""
        retry_after = self.rates.post(channel_id)
        if retry_after:
            raise RateLimited(retry_after)

    def _authenticate(self, request: web.Request, args: dict[str, Any]) -> None:
        token = _token(request, args)
        if not token:
            raise SlackError("not_authed")
        if token in self.revoked:
            raise SlackError("token_revoked")
        if token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if token != self.bot_token:
            raise SlackError("invalid_auth")

    async def _response_url(self, request: web.Request) -> web.Response:
        url = self.response_urls.get(request.match_info["token"])
        if url is None:
            return web.json_response({"ok": False, "error": "invalid_url"}, status=404)
        if len(url.posts) >= RESPONSE_URL_USES:
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        if time.monotonic() - url.issued_at > RESPONSE_URL_SECONDS:
            return web.json_response({"ok": False, "error": "expired_url"}, status=404)
        payload = await request.json()
        if not flag(payload, "delete_original"):
            errors = check_message_blocks(payload.get("blocks", []), self.image_sources())
            if errors:
                return web.json_response(
                    {
                        "ok": False,
                        "error": "invalid_blocks",
                        "response_metadata": {"messages": errors},
                    },
                    status=400,
                )
            if not payload.get("text") and not payload.get("blocks"):
                return web.json_response({"ok": False, "error": "no_text"}, status=400)
        url.posts.append(payload)
        url.messages.append(self.respond(url, payload))
        await self._notify()
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        stored = self.files.get(request.match_info["file_id"])
        if stored is None:
            return web.Response(status=404, text="file not found")
        content = await request.read()
        if len(content) != stored.length:
            return web.Response(status=400, text="length does not match")
        stored.content, stored.uploaded = content, True
        return web.Response(text=f"OK - {len(content)}")

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """Like Slack: without the bot token you get a sign-in page, not the file; a
        file the bot may not see is not found; redirects when told to."""
        answer = self._file_answer(request)
        self.downloads.append(
            Download(
                request.match_info["file_id"],
                request.host,
                request.headers.get("Authorization") == f"Bearer {self.bot_token}",
                answer.status,
            )
        )
        await self._notify()
        return answer

    def _file_answer(self, request: web.Request) -> web.StreamResponse:
        stored = self.files.get(request.match_info["file_id"])
        if request.headers.get("Authorization") != f"Bearer {self.bot_token}":
            return web.Response(
                text="<html><body>Sign in to Slack</body></html>", content_type="text/html"
            )
        if stored is None or not stored.uploaded or not stored.visible:
            return web.Response(status=404, text="file not found")
        hops, host = self._redirects
        hop = int(request.query.get("hop", "0"))
        if hop < hops:
            target = request.url.with_query(hop=str(hop + 1))
            if host is not None:
                target = target.with_host(host)
            return web.Response(status=302, headers={"Location": str(target)})
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # -- checks shared by the methods ------------------------------------------------

    def check_blocks(self, args: dict[str, Any]) -> None:
        if not args.get("text") and not args.get("blocks"):
            raise SlackError("no_text")
        errors = check_message_blocks(args.get("blocks", []), self.image_sources())
        if errors:
            raise SlackError("invalid_blocks", errors)

    def image_sources(self) -> dict[str, str]:
        """The files a block's ``slack_file`` may name (by id or ``url_private``), with
        their types: those the app can see."""
        sources: dict[str, str] = {}
        for stored in self.files.values():
            if stored.visible:
                described = self.file_json(stored)
                sources[stored.id] = sources[described["url_private"]] = described["filetype"]
        return sources

    def use_trigger(self, trigger_id: str | None) -> Trigger:
        trigger = self.triggers.get(trigger_id or "")
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued_at > TRIGGER_SECONDS:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def stack_depth(self, root_id: str) -> int:
        return sum(1 for v in self.views.values() if v.root_id == root_id and v.open)

    def replace_view(self, view: View, body: dict[str, Any]) -> None:
        """The view shows ``body`` now, under a new ``hash``, as after any update."""
        view.body, view.hash = body, methods.view_hash(body)

    def share_later(
        self, stored: list[StoredFile], channel: str, *, comment: str, thread_ts: str | None
    ) -> None:
        """The files' message in ``channel`` a moment from now (``share_delay``)."""
        task = asyncio.create_task(self._share(stored, channel, comment, thread_ts))
        self._shares.add(task)
        task.add_done_callback(self._shares.discard)

    async def _share(
        self, stored: list[StoredFile], channel: str, comment: str, thread_ts: str | None
    ) -> None:
        await asyncio.sleep(self.share_delay)
        for file in stored:
            file.shared_to.append(channel)
        message = Message(
            channel=channel,
            ts=self.ids.ts(),
            text=comment,
            blocks=[],
            user=self.bot_user_id,
            thread_ts=thread_ts,
            files=[f.id for f in stored],
        )
        self.store_message(message)
        await self._notify()


def _token(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header else args.get("token")


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Merges query, form and JSON arguments, as the real client may send any."""
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
    for key in ("blocks", "view", "files", "attachments"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args
