"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

Used by the tests and by ``roster demo``, which shows the mail a learner gets.

It can be told to answer the next messages with a temporary (4xx) or a
permanent (5xx) refusal, and be stopped and started again on the same port,
so tests see exactly what a school's mail server would do.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self._refusals: list[str] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse_next(self, *answers: str) -> None:
        """e.g. ``"451 4.3.0 Try again later"`` or ``"550 5.1.1 No such user"``."""
        with self._lock:
            self._refusals.extend(answers)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self._refusals:
                return self._refusals.pop(0)
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.received if m["To"] == address]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> EmailMessage:
        """The ``count``-th message to ``address``, once it has arrived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.to(address)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no email #{count} to {address}; got {self.received}")
            await asyncio.sleep(0.02)
        return self.to(address)[count - 1]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())
