"""What a process tells Prometheus: Slack requests and their acks by kind, the
outbox, bulk rows applied, and whether this process leads the scheduled work.

Each app has its own registry, so several apps in one process (the tests) never
share counters; ``/metrics`` serves it in Prometheus's text format.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Up to Slack's 3 seconds, finer where acks should be."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.slack_requests = Histogram(
            "roster_slack_request_seconds",
            "Time from a Slack request's arrival to Roster's answer (its ack), by kind.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.outbox_waiting = Gauge(
            "roster_outbox_waiting",
            "Emails queued or waiting to be retried.",
            registry=self.registry,
        )
        self.emails = Counter(
            "roster_emails_total",
            "Delivery attempts by result: sent, deferred (tried again later), failed.",
            ["result"],
            registry=self.registry,
        )
        self.bulk_rows = Counter(
            "roster_bulk_rows_total", "Rows of bulk actions applied.", registry=self.registry
        )
        self.leading = Gauge(
            "roster_scheduler_leader",
            "1 while this process runs the scheduled work, 0 while it stands by.",
            registry=self.registry,
        )
        self.scheduled_runs = Histogram(
            "roster_scheduled_run_seconds",
            "How long each scheduled run took (rule sweeps, retention), by job.",
            ["job"],
            registry=self.registry,
        )

    def text(self) -> bytes:
        return generate_latest(self.registry)


def request_kind(body: dict[str, Any]) -> str:
    """``command``, an interaction's type (``block_actions``, ``view_submission``),
    or ``event:<type>``: few enough values to be a label."""
    if "command" in body:
        return "command"
    if body.get("type") == "event_callback":
        return f"event:{body.get('event', {}).get('type', 'unknown')}"
    return str(body.get("type") or "unknown")
