"""``roster``: serve, worker, demo, migrate, admin add, course add, activity send, webhook
add."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_people
from bot.services import Services
from bot.settings import ConfigError, Settings, default_database_url, slack_api_from_env
from bot.views.errors import unlinkable
from bot.views.webhooks import webhook_line
from bot.web.activity_api import signed_headers
from domain.entities import EventType
from domain.errors import DomainError, NotLinkable
from domain.webhooks.service import check_url
from storage import db
from storage.store import TortoiseStore


def _database_url() -> str:
    return os.environ.get("DATABASE_URL") or default_database_url(Path.cwd())


@asynccontextmanager
async def _services() -> AsyncIterator[Services]:
    url = _database_url()
    await db.migrate(url)
    await db.connect(url)
    try:
        yield Services.build(TortoiseStore())
    finally:
        await db.close()


def _serve(args: argparse.Namespace) -> int:
    from bot.app import ACCESS_LOG, create_app

    settings = Settings.from_env()
    mode = "Socket Mode" if settings.socket_mode else f"HTTP on :{settings.port}/slack/events"
    print(f"Roster serving ({mode}), database {settings.database_url}")
    web.run_app(create_app(settings), port=settings.port, print=None, access_log_class=ACCESS_LOG)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from bot.app import run_worker

    settings = Settings.from_env()
    print(f"Roster worker applying approved bulk jobs, database {settings.database_url}")
    asyncio.run(run_worker(settings))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    asyncio.run(db.migrate(_database_url()))
    print(f"Database is up to date: {_database_url()}")
    return 0


async def _admin_add(args: argparse.Namespace) -> None:
    """Slack is asked about the account first: a deactivated account or a guest is
    refused with the reason. The email given here is the one the school knows them by."""
    token, api_url = slack_api_from_env()
    client = AsyncWebClient(token=token, base_url=api_url or AsyncWebClient.BASE_URL)
    profile = replace(await slack_people.profile(client, args.slack_user), email=args.email)
    async with _services() as services:
        user = await services.users.make_admin(profile)
        print(f"{user.email} (<@{user.slack_user_id}>) is a school admin.")


async def _course_add(args: argparse.Namespace) -> None:
    async with _services() as services:
        course = await services.courses.create(None, title=" ".join(args.title))
        print(f"Added course #{course.id}: {course.title}")


async def _activity_send(args: argparse.Namespace) -> None:
    """Signs and posts one event, as a course player would; prints Roster's answer."""
    secret = os.environ.get("ACTIVITY_SECRET", "")
    if not secret:
        raise ConfigError("ACTIVITY_SECRET is not set; use the secret this Roster was given.")
    event: dict[str, object] = {
        "id": args.id or f"cli-{uuid.uuid4()}",
        "type": args.type,
        "user": {"email": args.email},
        "occurred_at": args.occurred_at or datetime.now(UTC).isoformat(),
    }
    if args.course:
        event["course"] = args.course
    if args.percent is not None:
        event["percent"] = args.percent
    body = json.dumps(event).encode()
    base = args.url or os.environ.get("PUBLIC_BASE_URL", "http://localhost:3000")
    headers = signed_headers(secret, body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base.rstrip('/')}/api/activity", data=body, headers=headers) as answer,
    ):
        print(answer.status, await answer.text())
        if answer.status >= 400:
            raise SystemExit(1)


async def _webhook_add(args: argparse.Namespace) -> None:
    """Checks the URL (HTTPS; a public address unless ROSTER_WEBHOOK_ALLOW_PRIVATE), then
    prints the endpoint's secret, shown this once, for the other system to verify with."""
    from bot.webhook_sender import check_reachable

    url = check_url(args.url)
    allow = Settings.from_env().webhook_allow_private
    await check_reachable(url, allow_private=allow)
    async with _services() as services:
        endpoint = await services.webhooks.add(None, url, args.types)
    kinds = ", ".join(sorted(t.value for t in endpoint.types)) or "every event"
    print(f"Webhook #{endpoint.id} sends {kinds} to {endpoint.url}")
    print(f"Its signing secret (keep it; it is not shown again): {endpoint.secret}")


async def _webhook_list(args: argparse.Namespace) -> None:
    async with _services() as services:
        endpoints = await services.webhooks.listing(None)
    for endpoint in endpoints:
        print(webhook_line(endpoint))
    if not endpoints:
        print("No webhooks yet: `roster webhook add <https url> [event types]` adds one.")


async def _webhook_remove(args: argparse.Namespace) -> None:
    async with _services() as services:
        endpoint = await services.webhooks.remove(args.number)
    print(f"Removed webhook #{endpoint.id} ({endpoint.url}); nothing more is sent to it.")


async def _webhook_enable(args: argparse.Namespace) -> None:
    async with _services() as services:
        endpoint = await services.webhooks.enable(args.number)
    print(f"Webhook #{endpoint.id} ({endpoint.url}) is live again, from the next event on.")


def _demo(args: argparse.Namespace) -> int:
    """The tour runs against the Slack emulator and SMTP server of a source
    checkout: tools for trying Roster, not part of the installed product."""
    try:
        from bot.demo import run_demo
    except ModuleNotFoundError as missing:
        print(
            f"roster: the demo needs {missing.name}, which comes with Roster's source: "
            "run `python3 dev.py demo` from a clone of the repository.",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(run_demo())


def _run_async(
    job: Callable[[argparse.Namespace], Coroutine[Any, Any, None]],
) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        asyncio.run(job(args))
        return 0

    return run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roster", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run Roster (HTTP or Socket Mode)").set_defaults(run=_serve)
    commands.add_parser("demo", help="a scripted tour against the Slack emulator").set_defaults(
        run=_demo
    )
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    commands.add_parser(
        "worker", help="apply approved bulk jobs (with ROSTER_RUN_JOBS=no on serve)"
    ).set_defaults(run=_worker)
    admin = commands.add_parser("admin", help="school admins").add_subparsers(
        dest="action", required=True
    )
    add_admin = admin.add_parser(
        "add",
        help="make a Slack user a school admin (Slack is asked about the account: "
        "SLACK_BOT_TOKEN must be set)",
    )
    add_admin.add_argument("--slack-user", required=True, help="Slack user id, e.g. U024BE7LH")
    add_admin.add_argument("--email", required=True, help="their email address")
    add_admin.set_defaults(run=_run_async(_admin_add))
    course = commands.add_parser("course", help="the course catalogue").add_subparsers(
        dest="action", required=True
    )
    add_course = course.add_parser("add", help="add a course")
    add_course.add_argument("title", nargs="+")
    add_course.set_defaults(run=_run_async(_course_add))
    activity = commands.add_parser("activity", help="the learning-activity API").add_subparsers(
        dest="action", required=True
    )
    send = activity.add_parser("send", help="sign and post one event to /api/activity")
    send.add_argument("--type", required=True, choices=[t.value for t in EventType])
    send.add_argument("--email", required=True, help="the learner's email")
    send.add_argument("--course", help="course title or id (all types but sign_in)")
    send.add_argument("--percent", type=int, help="0-100, for course_progress")
    send.add_argument("--id", help="event id (default: a new one)")
    send.add_argument("--occurred-at", help="ISO 8601 time with offset (default: now)")
    send.add_argument("--url", help="Roster's base URL (default: $PUBLIC_BASE_URL)")
    send.set_defaults(run=_run_async(_activity_send))
    webhook = commands.add_parser("webhook", help="the school's other systems").add_subparsers(
        dest="action", required=True
    )
    add_webhook = webhook.add_parser("add", help="send events to an HTTPS endpoint, signed")
    add_webhook.add_argument("url", help="https://…")
    add_webhook.add_argument("types", nargs="*", help="event types (default: all)")
    add_webhook.set_defaults(run=_run_async(_webhook_add))
    webhook.add_parser("list", help="the endpoints and their state").set_defaults(
        run=_run_async(_webhook_list)
    )
    for name, job, what in (
        ("remove", _webhook_remove, "stop sending to an endpoint and forget it"),
        ("enable", _webhook_enable, "send to a disabled endpoint again, from now on"),
    ):
        action = webhook.add_parser(name, help=what)
        action.add_argument("number", type=int, help="the webhook's number (roster webhook list)")
        action.set_defaults(run=_run_async(job))
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except ConfigError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 2
    except NotLinkable as error:
        print(f"roster: {error.slack_user_id}: {unlinkable(error)}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
