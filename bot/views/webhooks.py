"""Webhook endpoints in words: the list, a new one's secret, a disabled one's notice."""

from __future__ import annotations

from bot.views.blocks import Block, context, escape, header, packed, section, when
from domain.webhooks.model import Endpoint


def webhooks_message(endpoints: list[Endpoint]) -> tuple[str, list[Block]]:
    if not endpoints:
        return "No webhooks", [
            section("No webhook endpoints. Add one with `roster webhook add <url> [types]`.")
        ]
    lines = [_line(e) for e in endpoints]
    blocks = [header("Webhook endpoints"), *(section(t) for t in packed(lines))]
    blocks.append(
        context("Each event is POSTed as JSON, signed the Standard Webhooks way with its secret.")
    )
    return "Webhook endpoints", blocks


def _line(endpoint: Endpoint) -> str:
    kinds = ", ".join(sorted(f"`{t.value}`" for t in endpoint.types)) or "every event"
    if endpoint.disabled_at is not None:
        state = f":no_entry: disabled {when(endpoint.disabled_at)}"
    elif endpoint.failing_since is not None:
        state = f":warning: failing since {when(endpoint.failing_since)}"
    else:
        state = "working"
    return f"• `#{endpoint.id}` {escape(endpoint.url)}: {kinds} · {state}"


def disabled_notice(endpoint: Endpoint) -> str:
    return (
        f":no_entry: The webhook endpoint {escape(endpoint.url)} failed every delivery for a "
        "day, so Roster disabled it. Fix the endpoint, then turn it back on with "
        f"`roster webhook enable {endpoint.id}`; `/group log events webhook` shows what failed."
    )


def webhook_line(endpoint: Endpoint) -> str:
    """One endpoint as ``roster webhook list`` prints it, in plain text."""
    kinds = ", ".join(sorted(t.value for t in endpoint.types)) or "every event"
    if endpoint.disabled_at is not None:
        state = f"disabled since {endpoint.disabled_at:%Y-%m-%d %H:%M} UTC"
    elif endpoint.failing_since is not None:
        state = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
    else:
        state = "working"
    return f"#{endpoint.id} {endpoint.url}: {kinds} · {state}"
