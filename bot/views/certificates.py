"""Certificates in Slack (the list, Revoke) and on the public verification page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.ids import Action, Field, Modal
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    fallback,
    header,
    section,
    when,
)
from bot.views.learner_pages import render_page
from bot.views.modals import View, input_block, modal, text_input
from bot.views.paging import pager
from domain.certificates.model import Certificate, CertificateStatus
from domain.entities import Group, Page
from domain.grading.model import MAX_REASON

STATUS_WORDS = {
    CertificateStatus.VALID: "Valid",
    CertificateStatus.EXPIRED: "Expired",
    CertificateStatus.REVOKED: "Revoked",
}


def _status(certificate: Certificate, now: datetime) -> str:
    status, since = certificate.status(now)
    words = STATUS_WORDS[status].lower()
    return f"{words} since {when(since)}" if since else words


def _line(certificate: Certificate, now: datetime, base_url: str) -> str:
    expires = when(certificate.expires_at) if certificate.expires_at else "never"
    link = f"{base_url}/verify/{certificate.code}"
    return (
        f"*{escape(certificate.serial)}* · *{escape(certificate.holder_name)}* "
        f"({escape(certificate.holder_email)})\n{escape(certificate.course_title)}: "
        f"{escape(certificate.title)} · issued {when(certificate.issued_at)} · expires "
        f"{expires} · *{_status(certificate, now)}* · <{link}|verification page>"
    )


def certificates_message(
    group: Group,
    page: Page[Certificate],
    now: datetime,
    *,
    key: str,
    search: str,
    base_url: str,
) -> tuple[str, list[Block]]:
    """Issued certificates, newest first, each with Revoke while it holds."""
    found = f" matching “{search}”" if search else ""
    if page.total == 0:
        text = f"No certificates in {group.title}{found}."
        return fallback(text), [section(escape(text))]
    title = f"Certificates in {group.title}{found}: {page.total}"
    blocks: list[Block] = [header(title)]
    for certificate in page.items:
        accessory = (
            button("Revoke", Action.CERTIFICATE_REVOKE, str(certificate.id), style="danger")
            if certificate.revoked_at is None
            else None
        )
        blocks.append(section(_line(certificate, now, base_url), accessory=accessory))
    blocks.extend(pager(page, Action.CERTIFICATES_PAGE, key))
    blocks.append(actions(button("Export to Excel", Action.CERTIFICATES_EXPORT, key)))
    blocks.append(context("Anyone with a certificate's verification page sees its status now."))
    return fallback(title), blocks


def revoke_modal(certificate: Certificate) -> View:
    blocks: list[Block] = [
        section(
            f"*{escape(certificate.serial)}*: {escape(certificate.title)}, held by "
            f"*{escape(certificate.holder_name)}*. Its verification page will say it was "
            "revoked, when, and why."
        ),
        input_block(
            Field.REASON,
            "Reason",
            text_input(max_length=MAX_REASON, multiline=True),
            hint="Shown on the public verification page.",
        ),
    ]
    return modal(
        Modal.REVOKE_CERTIFICATE,
        "Revoke certificate",
        blocks,
        submit="Revoke",
        metadata=str(certificate.id),
    )


def revoked(certificate: Certificate) -> str:
    return (
        f":no_entry_sign: Revoked *{escape(certificate.serial)}* "
        f"({escape(certificate.holder_name)}); its verification page says so from now on."
    )


def exported(group: Group) -> str:
    return (
        f"The certificates of *{escape(group.title)}* are coming to your direct messages "
        "as a workbook."
    )


def verification_json(certificate: Certificate | None, now: datetime) -> dict[str, Any]:
    if certificate is None:
        return {"ok": False, "error": "not_found"}
    status, since = certificate.status(now)
    return {
        "ok": True,
        "status": status.value,
        "since": since.isoformat() if since else None,
        "serial": certificate.serial,
        "title": certificate.title,
        "holder": certificate.holder_name,
        "course": certificate.course_title,
        "issued_at": certificate.issued_at.isoformat(),
        "expires_at": certificate.expires_at.isoformat() if certificate.expires_at else None,
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        "revoked_reason": certificate.revoked_reason or None,
    }


def _day(moment: datetime | None, now: datetime) -> str:
    """On the school's clock: ``now`` carries its zone."""
    if moment is None:
        return "never"
    return f"{moment.astimezone(now.tzinfo):%Y-%m-%d %H:%M} {now.tzinfo}"


def verification_page(school: str, certificate: Certificate | None, now: datetime) -> str:
    """``now`` is on the school's clock, the dates shown on it."""
    if certificate is None:
        return render_page("verify", "Certificate not found", school, certificate=None)
    status, since = certificate.status(now)
    words = STATUS_WORDS[status] + (f" since {_day(since, now)}" if since else "")
    return render_page(
        "verify",
        "Certificate verification",
        school,
        certificate=certificate,
        status=status.value,
        status_words=words,
        issued=_day(certificate.issued_at, now),
        expires=_day(certificate.expires_at, now),
        revoked=_day(certificate.revoked_at, now),
    )
