"""Delivering the outbox over SMTP, and telling admins when no server is set.

The worker is the only code that speaks SMTP. Temporary failures (4xx,
refused or dropped connections, timeouts) are retried with backoff; a 5xx
is final and kept with the server's words. A crash between sending and
recording can at worst send an email twice, never lose one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import TypedDict
from urllib.parse import unquote, urlsplit

import aiosmtplib
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import Metrics
from bot.services import Services
from bot.slack_presence import SlackPresence
from bot.worker_loop import WorkerLoop, pause
from domain.emails import Ready
from domain.entities import LoggedEmail

log = logging.getLogger("roster.emails")
SMTP_MISSING_TOLD = "mail.smtp_missing_told"


class TemporaryFailure(Exception):
    """Worth trying again later."""


class PermanentFailure(Exception):
    """The server refused for good; the message is its reason."""


class _SmtpOptions(TypedDict):
    """What :func:`aiosmtplib.send` is given besides the message."""

    hostname: str | None
    port: int | None
    username: str | None
    password: str | None
    use_tls: bool
    timeout: float


def message_id(email: LoggedEmail, domain: str) -> str:
    """The same for every try at one outbox email: if a process dies between the
    server taking an email and marking it sent, the copy another process sends
    then is the same message to mail clients, which show it once."""
    return f"<roster.{email.id}.{int(email.created_at.timestamp())}@{domain}>"


class SmtpTransport:
    def __init__(self, url: str, sender: str, *, timeout: float = 20) -> None:
        parts = urlsplit(url)
        self._options: _SmtpOptions = {
            "hostname": parts.hostname,
            "port": parts.port,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": parts.scheme == "smtps",
            "timeout": timeout,
        }
        self._sender = sender

    def message(self, ready: Ready) -> EmailMessage:
        """Built with the strict email policy, which also refuses line breaks in headers."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = ready.email.to
        message["Subject"] = ready.email.subject
        message["Date"] = formatdate(localtime=False)
        domain = parseaddr(self._sender)[1].rpartition("@")[2] or "roster.local"
        message["Message-ID"] = message_id(ready.email, domain)
        message["X-Roster-Trigger"] = ready.email.trigger
        message.set_content(ready.text)
        message.add_alternative(ready.html, subtype="html")
        return message

    async def send(self, ready: Ready) -> None:
        try:
            await aiosmtplib.send(self.message(ready), **self._options)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0]
            raise _by_code(refused.code, refused.message) from None
        except aiosmtplib.SMTPResponseException as error:
            raise _by_code(error.code, error.message) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from None


def _by_code(code: int, message: str) -> Exception:
    reason = f"{code} {message}".strip()
    return PermanentFailure(reason) if code >= 500 else TemporaryFailure(reason)


class DeliveryWorker:
    """Polls the outbox; one worker per process is enough for a school's volume."""

    def __init__(
        self,
        services: Services,
        transport: SmtpTransport,
        *,
        interval: float,
        metrics: Metrics,
        hold: timedelta = timedelta(minutes=5),
    ) -> None:
        self._mail = services.emails
        self._hold = hold
        """How long the emails of a round are this process's: longer than any SMTP
        conversation, so another process sends them only if this one died."""
        self._results = metrics.emails
        self._transport = transport
        self._loop = WorkerLoop("email delivery", self._round, poll=interval)

    async def run(self, stop: asyncio.Event) -> None:
        await self._loop.run(stop)

    async def _round(self, stop: asyncio.Event) -> float | None:
        """At once again while there were emails due (there may be more)."""
        return 0 if await self.deliver_due() else None

    async def deliver_due(self) -> int:
        batch = await self._mail.claim(self._hold)
        for email in batch:
            if not await self._mail.keep(email, self._hold):
                continue
            ready = await self._mail.ready(email)
            try:
                await self._transport.send(ready)
            except TemporaryFailure as error:
                log.warning("email %s deferred: %s", email.id, error)
                await self._mail.deferred(email, str(error))
                self._results.labels("deferred").inc()
            except PermanentFailure as error:
                log.warning("email %s failed: %s", email.id, error)
                await self._mail.rejected(email, str(error))
                self._results.labels("failed").inc()
            else:
                await self._mail.delivered(email)
                self._results.labels("sent").inc()
        return len(batch)


async def tell_admins_smtp_is_missing(
    services: Services,
    client: AsyncWebClient,
    presence: SlackPresence,
    stop: asyncio.Event,
    *,
    interval: float,
) -> None:
    """With no SMTP_URL, emails wait; the admins hear it once, when the first one waits
    and Slack takes Roster's token (until then, the notice waits too)."""
    while not stop.is_set():
        reachable = await presence.refresh() is None
        if (
            reachable
            and await services.emails.waiting()
            and await services.emails.tell_once(SMTP_MISSING_TOLD)
        ):
            waiting = await services.emails.waiting()
            text = (
                f":envelope: {waiting} email(s) are waiting to be sent, and Roster has no mail "
                "server: set SMTP_URL (e.g. smtp://user:password@mail.school.org:587) and "
                "restart. Nothing is lost: they are sent once it is set. "
                "`/group log emails` shows them."
            )
            for admin in await services.users.admin_slack_ids():
                await client.chat_postMessage(channel=admin, text=text)
            return
        await pause(stop, interval)
