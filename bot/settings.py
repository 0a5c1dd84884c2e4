"""Configuration, read once from the environment; a missing value names itself."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(Exception):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    database_url: str = "sqlite://roster.sqlite3"
    port: int = 3000
    public_base_url: str = "http://localhost:3000"
    admins: frozenset[str] = frozenset()
    smtp_url: str | None = None
    mail_from: str = "Roster <roster@localhost>"
    school_name: str = "Roster School"
    invite_ttl_hours: int = 72
    activity_secret: str | None = None
    mail_poll_seconds: float = 1.0
    mail_retry_base_seconds: float = 5.0
    mail_hold_seconds: float = 300.0
    """How long a process holds the emails it is sending; another sends those of a
    process that died this long after."""
    run_jobs: bool = True
    """Whether this process applies approved bulk jobs; "no" when `roster worker` does."""
    job_chunk_rows: int = 2000
    job_pause_seconds: float = 0.0
    """A pause between chunks, to leave a busy SQLite writer room for everyone else."""
    job_lease_seconds: float = 60.0
    """How long a runner holds a job between chunks: a process that dies leaves its
    job to another (or to itself restarted) this long after its last chunk."""
    rule_sweep_minutes: int = 60
    """How often rules with dates (created, last sign-in) are re-evaluated for everyone."""
    trusted_proxies: frozenset[Network] = frozenset()
    """Reverse proxies whose X-Forwarded-For names the learner's address (sign-in limits
    count per address; behind a proxy, without this, everyone shares the proxy's)."""
    job_retention_days: int = 30
    """How long a finished bulk job keeps its uploaded rows; its counts stay for good."""
    job_prune_seconds: float = 600.0
    """How often the job runner looks for rows past the retention period."""
    event_retention_days: int = 365
    """How long the school events log keeps an event."""
    event_prune_seconds: float = 86_400.0
    """How often events past their retention are deleted (daily)."""
    event_feed_seconds: float = 1.0
    """How often the feed looks for new events to post to the channels following them."""
    webhook_seconds: float = 1.0
    """How often webhooks due are sent."""
    webhook_allow_private: bool = False
    """Whether webhooks may go to loopback and private addresses (tests, an intranet)."""
    webhook_ca_file: str | None = None
    """Certificates of authorities trusted for webhook endpoints beyond the system's."""
    job_report_retry_seconds: float = 60.0
    """The wait before a failed job report is tried again (doubling each time)."""
    parses_at_once: int = 2
    """Uploaded files read at the same time, each in its own process (up to 1.5 GB each)."""
    parse_seconds: int = 120
    """How long one file's reading may take, from when it starts."""
    slack_pace: float = 1.0
    """Real seconds per second of Slack's pace, as the job runner keeps it (1.0 in a
    real workspace; tests shorten it along with the emulator's rate limits)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            slack_bot_token=_required(env, "SLACK_BOT_TOKEN", prefix="xoxb-"),
            slack_signing_secret=_required(env, "SLACK_SIGNING_SECRET"),
            slack_app_token=_optional(env, "SLACK_APP_TOKEN", prefix="xapp-"),
            slack_api_url=_optional(env, "SLACK_API_URL"),
            database_url=env.get("DATABASE_URL") or default_database_url(Path.cwd()),
            port=_port(env.get("ROSTER_PORT", "3000")),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://localhost:3000").rstrip("/"),
            admins=_admins(env.get("ROSTER_ADMINS", "")),
            smtp_url=_smtp_url(env.get("SMTP_URL", "")),
            mail_from=_header(env, "MAIL_FROM", "Roster <roster@localhost>"),
            school_name=_header(env, "SCHOOL_NAME", "Roster School"),
            invite_ttl_hours=_hours(env.get("INVITE_TTL_HOURS", "72")),
            activity_secret=_optional(env, "ACTIVITY_SECRET"),
            mail_hold_seconds=_seconds(env, "ROSTER_MAIL_HOLD_SECONDS", 300.0),
            run_jobs=_yes_no(env, "ROSTER_RUN_JOBS", default=True),
            job_chunk_rows=_count(env, "ROSTER_JOB_CHUNK_ROWS", 2000, most=10_000),
            job_pause_seconds=_seconds(env, "ROSTER_JOB_PAUSE_SECONDS", 0.0),
            job_lease_seconds=_seconds(env, "ROSTER_JOB_LEASE_SECONDS", 60.0),
            rule_sweep_minutes=_count(env, "ROSTER_RULE_SWEEP_MINUTES", 60, most=1440),
            trusted_proxies=_networks(env, "ROSTER_TRUSTED_PROXIES"),
            job_retention_days=_count(env, "ROSTER_JOB_RETENTION_DAYS", 30, most=3650),
            event_retention_days=_count(env, "ROSTER_EVENT_RETENTION_DAYS", 365, most=36_500),
            webhook_allow_private=_yes_no(env, "ROSTER_WEBHOOK_ALLOW_PRIVATE", default=False),
            webhook_ca_file=_optional(env, "ROSTER_WEBHOOK_CA_FILE"),
            parses_at_once=_count(env, "ROSTER_PARSES_AT_ONCE", 2, most=32),
            parse_seconds=_count(env, "ROSTER_PARSE_SECONDS", 120, most=3600),
        )

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def slack_api_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """The bot token and the Web API's URL alone, for a command that only asks Slack
    (``roster admin add`` looks the account up before making it an admin)."""
    env = os.environ if env is None else env
    return _required(env, "SLACK_BOT_TOKEN", prefix="xoxb-"), _optional(env, "SLACK_API_URL")


def default_database_url(directory: Path) -> str:
    return f"sqlite://{directory / 'roster.sqlite3'}"


def _required(env: Mapping[str, str], name: str, *, prefix: str = "") -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set; see README.md, 'Connect a workspace'.")
    if prefix and not value.startswith(prefix):
        raise ConfigError(f"{name} should start with {prefix!r}; check which token you copied.")
    return value


def _optional(env: Mapping[str, str], name: str, *, prefix: str = "") -> str | None:
    return _required(env, name, prefix=prefix) if env.get(name, "").strip() else None


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"ROSTER_PORT must be a port number (1-65535), not {value!r}.")
    return int(value)


def _admins(value: str) -> frozenset[str]:
    ids = {part.strip() for part in value.split(",") if part.strip()}
    bad = sorted(i for i in ids if not i.startswith(("U", "W")))
    if bad:
        raise ConfigError(
            f"ROSTER_ADMINS holds Slack user ids (U...), comma-separated; {bad} is not one."
        )
    return frozenset(ids)


SMTP_FORM = "smtp://user:password@host:587 (or smtps:// for TLS on connect)"


def _smtp_url(value: str) -> str | None:
    """Checked as far as a connection needs it, and reported without repeating the
    value: start-up errors end up in logs that more people read than hold the password."""
    value = value.strip()
    if not value:
        return None
    problem = _smtp_problem(value)
    if problem:
        raise ConfigError(
            f"SMTP_URL {problem}; write it as {SMTP_FORM}. (Its value is not shown, as it "
            "may hold a password.)"
        )
    return value


def _smtp_problem(value: str) -> str | None:
    """What is wrong with the URL, in words that never repeat a part of it that
    could be the password; None when it is usable."""
    if "://" not in value:
        return "needs smtp:// or smtps:// in front"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "cannot be read as a URL (is a [ left unclosed?)"
    if parts.scheme not in {"smtp", "smtps"}:
        scheme = parts.scheme if parts.scheme.isalnum() else "something else"
        return f"starts with {scheme}:// instead of smtp:// or smtps://"
    if not host:
        return "names no host"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return (
            "has a port that is not a number from 1 to 65535 (a password holding @ : / ? or # "
            "must be percent-encoded, # as %23)"
        )
    return None


def _header(env: Mapping[str, str], name: str, default: str) -> str:
    """Ends up in mail headers, where a line break would forge headers of its own."""
    value = env.get(name, "").strip() or default
    if any(ch in value for ch in "\r\n") or len(value) > 120:
        raise ConfigError(f"{name} must be one line of at most 120 characters.")
    return value


def _hours(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 24 * 30:
        raise ConfigError(f"INVITE_TTL_HOURS must be 1 to 720 hours, not {value!r}.")
    return int(value)


def _yes_no(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in {"yes", "no"}:
        raise ConfigError(f"{name} is yes or no, not {value!r}.")
    return value == "yes"


def _count(env: Mapping[str, str], name: str, default: int, *, most: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise ConfigError(f"{name} must be a whole number from 1 to {most}, not {value!r}.")
    return int(value)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 60:
        raise ConfigError(f"{name} must be a number of seconds from 0 to 60, not {value!r}.")
    return seconds


def _networks(env: Mapping[str, str], name: str) -> frozenset[Network]:
    networks = set()
    for part in env.get(name, "").split(","):
        if not part.strip():
            continue
        try:
            networks.add(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"{name} lists proxy addresses or networks, comma-separated (e.g. "
                f"127.0.0.1, 10.0.0.0/8); {part.strip()!r} is neither."
            ) from None
    return frozenset(networks)
