"""A certificate as a record, how its serial and verification code are made, and
the errors its service raises."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import DomainError, NotFound


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Certificate:
    id: int
    serial: str
    code: str
    holder_name: str
    holder_email: str
    course_title: str
    title: str
    source: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str
    revoked_by_name: str

    def status(self, now: datetime) -> tuple[CertificateStatus, datetime | None]:
        """What it is now, and since when (None: since it was issued)."""
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED, self.revoked_at
        if self.expires_at is not None and self.expires_at <= now:
            return CertificateStatus.EXPIRED, self.expires_at
        return CertificateStatus.VALID, None


def new_serial() -> str:
    """Printed on the certificate: short, unambiguous letters and digits."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    body = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"RC-{body[:5]}-{body[5:]}"


def new_code() -> str:
    """The verification link's secret: 128 random bits."""
    return secrets.token_urlsafe(16)


class CertificateNotFound(NotFound):
    """No certificate with this serial that the caller may see."""

    kind = "certificate"


class AlreadyRevoked(DomainError):
    def __init__(self, certificate: Certificate) -> None:
        self.certificate = certificate
        super().__init__(f"certificate {certificate.serial} is already revoked")
