"""Webhooks to a loopback HTTPS server trusting its own CA: each event POSTed and
signed the Standard Webhooks way, retried after a 500, given up on after a day, the
endpoint disabled and the admins told. Time goes by the project's clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from bot.cli import main
from domain.webhooks.model import WebhookNotFound
from local_smtp import free_port
from storage.models import WebhookDeliveryRow, WebhookEndpointRow
from tests.bot.conftest import ADMIN, Roster, furnish, start_roster
from tests.bot.test_job_retention import MovableClock
from tests.waiting import eventually


@dataclass
class Receiver:
    """The other system: answers with ``statuses`` in turn (the last one for good)."""

    url: str
    statuses: list[int]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return web.Response(status=status)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@asynccontextmanager
async def _receiver(ca: trustme.CA, statuses: list[int]) -> AsyncIterator[Receiver]:
    port = free_port()
    receiver = Receiver(f"https://127.0.0.1:{port}/hooks", statuses)
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=server_tls)
    await site.start()
    try:
        yield receiver
    finally:
        await runner.cleanup()


@pytest.fixture
async def hooked(
    database_url: str, ca: trustme.CA, tmp_path: Path
) -> AsyncIterator[tuple[Roster, MovableClock]]:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    clock = MovableClock()
    settings: dict[str, Any] = {
        "webhook_allow_private": True,
        "webhook_ca_file": str(ca_file),
        "webhook_seconds": 0.05,
    }
    async with start_roster(database_url, None, job_clock=clock, **settings) as roster:
        yield await furnish(roster), clock


def _verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks' check, written out: HMAC-SHA256 of ``id.timestamp.body``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return headers["webhook-signature"] == f"v1,{expected}"


async def test_an_event_is_signed_and_retried_after_a_500(
    hooked: tuple[Roster, MovableClock], ca: trustme.CA
) -> None:
    roster, clock = hooked
    async with _receiver(ca, [500, 200]) as receiver:
        endpoint = await roster.services.webhooks.add(None, receiver.url, ["added"])
        assert "Added" in await roster.run(ADMIN, 'add "Sales Team" new@example.org')
        await eventually(lambda: _tried(1), what="the first delivery")
        clock.now += timedelta(seconds=6)
        await eventually(lambda: _count(receiver, 2), what="the retry")
        (first, _), (headers, body) = receiver.received
        assert first["webhook-id"] == headers["webhook-id"]
        assert _verified(endpoint.secret, headers, body)
        sent = json.loads(body)
        assert sent["type"] == "member.added"
        assert sent["data"]["person"] == "new@example.org"
        assert sent["data"]["group"] == "Sales Team" and sent["data"]["how"] == "hand"
        assert await eventually(_sent, what="the delivery marked sent")
        assert "working" in await roster.run(ADMIN, "webhooks")


async def test_an_endpoint_failing_for_a_day_is_disabled_and_the_admins_told(
    hooked: tuple[Roster, MovableClock], ca: trustme.CA
) -> None:
    roster, clock = hooked
    async with _receiver(ca, [500]) as receiver:
        await roster.services.webhooks.add(None, receiver.url, ["added"])
        assert "Added" in await roster.run(ADMIN, 'add "Sales Team" new@example.org')
        for tries in range(1, 6):
            await eventually(lambda n=tries: _tried(n), what=f"try {tries}")
            clock.now += timedelta(hours=6)

        async def told() -> bool:
            notice = "failed every delivery for a day, so Roster disabled it"
            return any(notice in m.text for m in roster.slack.messages)

        await eventually(told, what="the admins told")
        log = await roster.run(ADMIN, "log events webhook")
        assert "had a webhook delivery fail for good" in log
        assert "had a webhook endpoint disabled" in log
        assert "disabled" in await roster.run(ADMIN, "webhooks")
        assert len(receiver.received) == 5


async def test_a_disabled_endpoint_enabled_again_gets_what_follows_and_a_removed_one_nothing(
    hooked: tuple[Roster, MovableClock], ca: trustme.CA
) -> None:
    roster, clock = hooked
    webhooks = roster.services.webhooks
    async with _receiver(ca, [200]) as receiver:
        endpoint = await webhooks.add(None, receiver.url, ["added"])
        await WebhookEndpointRow.filter(id=endpoint.id).update(disabled_at=clock.now)
        assert "Added" in await roster.run(ADMIN, 'add "Sales Team" while-off@example.org')
        assert "disabled" in await roster.run(ADMIN, "webhooks")
        enabled = await webhooks.enable(endpoint.id)
        assert enabled.disabled_at is None and enabled.failing_since is None
        assert "working" in await roster.run(ADMIN, "webhooks")
        assert "Added" in await roster.run(ADMIN, 'add "Sales Team" back-on@example.org')
        await eventually(_sent, what="the event after it was enabled")
        people = [json.loads(body)["data"]["person"] for _, body in receiver.received]
        assert people == ["back-on@example.org"]

        await webhooks.remove(endpoint.id)
        assert "No webhook endpoints" in await roster.run(ADMIN, "webhooks")
        assert not await WebhookDeliveryRow.exists()
        with pytest.raises(WebhookNotFound):
            await webhooks.enable(endpoint.id)
        with pytest.raises(WebhookNotFound):
            await webhooks.remove(endpoint.id)


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.received) >= n


async def _tried(n: int) -> bool:
    """The delivery has been tried ``n`` times, and Roster has recorded the last."""
    return await WebhookDeliveryRow.filter(attempts__gte=n).exists()


async def _sent() -> bool:
    return await WebhookDeliveryRow.filter(state="sent").exists()


def test_the_command_line_refuses_what_is_not_https_or_goes_to_a_private_address(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert main(["webhook", "add", "http://example.org/hook"]) == 1
    assert "is not an https:// URL" in capsys.readouterr().err
    assert main(["webhook", "add", "https://127.0.0.1:9/hook"]) == 1
    assert "127.0.0.1, a private address" in capsys.readouterr().err
