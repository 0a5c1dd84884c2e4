"""Whether Roster may call Slack: not once Slack dropped it, until it takes Roster back.

``app_uninstalled`` and ``tokens_revoked`` mean the bot token no longer works.
From then on every Web API call from this process is refused here, before it
leaves (:class:`Departed`): the job runner waits with its jobs, notices about
mail are held back, nothing is posted or edited. The departure is kept in the
database, so a ``roster worker`` process and a restarted Roster know it too.

Roster is back when Slack takes its token again: at start-up and every few
minutes while departed, one process asks ``auth.test`` with the token it was
given; the first answer that is ``ok`` clears the departure for every
process. Reinstalling the app gives a new bot token, so in practice an admin
reinstalls, sets ``SLACK_BOT_TOKEN`` and restarts; a token that starts
working again without a restart is noticed within ``PROBE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from domain.entities import Departure
from domain.workspace import WorkspaceService

log = logging.getLogger("roster.slack")

DEAD_TOKEN = frozenset({"token_revoked", "account_inactive"})
"""Slack's answers for a token it no longer takes: as good as ``app_uninstalled``,
should that event have been lost (e.g. Roster stopped right after acknowledging it)."""
PROBE_SECONDS = 300.0
"""While departed, how often ``auth.test`` is asked whether Slack takes the token."""
REFRESH_SECONDS = 1.0
"""How stale a busy loop's view of the departure (kept in the database) may be."""
WATCH_SECONDS = 5.0
"""How often an otherwise idle process reads it."""


class Departed(SlackClientError):
    """Slack no longer takes Roster's token: the call was not made."""

    def __init__(self, method: str, departure: Departure) -> None:
        super().__init__(f"{method} not called: Slack dropped Roster ({departure.reason})")
        self.departure = departure


class SlackPresence:
    """This process's knowledge of whether Slack still takes Roster's token."""

    def __init__(self, workspace: WorkspaceService) -> None:
        self._workspace = workspace
        self.departure: Departure | None = None
        self._read_at = float("-inf")

    async def refresh(self) -> Departure | None:
        """The departure as the database has it, read at most once a second."""
        if time.monotonic() - self._read_at >= REFRESH_SECONDS:
            self.departure = await self._workspace.departure()
            self._read_at = time.monotonic()
        return self.departure

    async def depart(self, reason: str) -> None:
        """Slack said so: stop calling it now, and record it for every process."""
        self.departure = Departure(reason, datetime.now(UTC))
        first = await self._workspace.departed(reason)
        self.departure = await self._workspace.departure() or self.departure
        self._read_at = time.monotonic()
        if first:
            log.warning(
                "Slack dropped Roster (%s): no more calls to Slack until it takes a token "
                "again; the admins are emailed",
                reason,
            )

    async def probe(self, token: str, base_url: str) -> bool:
        """Asks Slack whether it takes ``token``; if it does, Roster is back."""
        probe = AsyncWebClient(token=token, base_url=base_url)
        try:
            await probe.auth_test()
        except SlackApiError as error:
            log.info("Slack still refuses Roster's token (%s)", error.response.get("error"))
            return False
        except Exception as error:
            log.info("could not ask Slack about Roster's token: %s", error)
            return False
        was = await self._workspace.returned()
        self.departure, self._read_at = None, time.monotonic()
        if was is not None:
            log.warning(
                "Slack takes Roster's token again (it had stopped on %s, %s): calling Slack again",
                f"{was.at:%Y-%m-%d %H:%M} UTC",
                was.reason,
            )
        return True

    async def watch(self, token: str, base_url: str, stop: asyncio.Event) -> None:
        """Keeps this process's view fresh (another process may have been told), and
        while departed asks Slack at start and every PROBE_SECONDS whether Roster is back."""
        next_probe = 0.0
        while not stop.is_set():
            self._read_at = float("-inf")
            if await self.refresh() is not None and time.monotonic() >= next_probe:
                next_probe = time.monotonic() + PROBE_SECONDS
                await self.probe(token, base_url)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WATCH_SECONDS)


class RosterClient(AsyncWebClient):
    """The Web API client every part of Roster uses: refuses to call Slack while
    Slack does not take Roster's token (``presence``)."""

    def __init__(self, *args: Any, presence: SlackPresence | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.presence = presence

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        """Refused before it leaves while departed, except Socket Mode's
        ``apps.connections.open``, which goes with the app-level token."""
        departure = self.presence.departure if self.presence else None
        if departure is not None and api_method != "apps.connections.open":
            raise Departed(api_method, departure)
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            code = error.response.get("error")
            if self.presence is not None and code in DEAD_TOKEN:
                await self.presence.depart(str(code))
            raise


def without_retries(client: AsyncWebClient) -> AsyncWebClient:
    """The same Slack, token and presence, without the rate-limit retry handler."""
    twin = RosterClient(token=client.token, base_url=client.base_url)
    twin.presence = client.presence if isinstance(client, RosterClient) else None
    return twin
