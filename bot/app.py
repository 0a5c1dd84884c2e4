"""The composition root: one aiohttp app holding bolt, the database and Socket Mode."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from signal import SIGINT, SIGTERM

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bulk_runner import JobRunner, prune_job_rows
from bot.email_delivery import (
    SMTP_MISSING_TOLD,
    DeliveryWorker,
    SmtpTransport,
    tell_admins_smtp_is_missing,
)
from bot.event_feed import EventFeed
from bot.listeners import register_listeners
from bot.metrics import Metrics, request_kind
from bot.pacing import PacedClient, PacedRetryHandler, Pacer
from bot.report_schedules import REPORT_TICK_SECONDS, ScheduledReports
from bot.scheduler import Schedule
from bot.services import Services
from bot.settings import Settings
from bot.slack_presence import SlackPresence
from bot.web import activity_api, certificates, health, learner_pages
from bot.web.access_log import RedactingAccessLogger
from bot.webhook_sender import WebhookSender
from bot.xlsx_reader import SpreadsheetChecker
from domain.clock import Clock, utc_now
from domain.letters import Letters
from storage import db
from storage.locks import Leadership
from storage.store import TortoiseStore

BOLT: web.AppKey[AsyncApp] = web.AppKey("bolt", AsyncApp)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
PRESENCE: web.AppKey[SlackPresence] = web.AppKey("presence", SlackPresence)
LEADERSHIP: web.AppKey[Leadership] = web.AppKey("leadership", Leadership)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)
MARKS_LEFT_SECONDS = 60
"""How often the leader re-evaluates users a process marked and died before its round."""
CleanupContext = Callable[[web.Application], AsyncIterator[None]]
"""What ``app.cleanup_ctx`` takes: setup before its ``yield``, teardown after."""


def slack_client(settings: Settings, presence: SlackPresence | None = None) -> PacedClient:
    """The Web API client: it calls nothing while Slack does not take Roster's token
    (``presence``), retries Slack's 429s after the Retry-After it names (five times at
    most), and its posts keep Slack's pace per channel, one pacer for the process.
    Retries and pace go by ``slack_pace``, Slack's seconds as Roster counts them."""
    kwargs = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    client = PacedClient(
        token=settings.slack_bot_token,
        presence=presence,
        pacer=Pacer(settings.slack_pace),
        **kwargs,
    )
    client.retry_handlers.append(PacedRetryHandler(scale=settings.slack_pace, max_retry_count=5))
    return client


def build_bolt(
    settings: Settings,
    services: Services,
    checker: SpreadsheetChecker,
    runner: JobRunner,
    presence: SlackPresence,
) -> AsyncApp:
    bolt = AsyncApp(
        client=runner.client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=True,
    )
    register_listeners(bolt, services, checker, runner.wake, presence)
    return bolt


def job_runner(
    settings: Settings, services: Services, presence: SlackPresence, metrics: Metrics
) -> JobRunner:
    return JobRunner(
        services.bulk,
        slack_client(settings, presence),
        chunk_rows=settings.job_chunk_rows,
        pause=settings.job_pause_seconds,
        lease=timedelta(seconds=settings.job_lease_seconds),
        report_retry=settings.job_report_retry_seconds,
        presence=presence,
        applied=metrics.bulk_rows.inc,
    )


def settle_heap() -> None:
    """Moves everything start-up created out of the garbage collector's sight.

    A full collection walks every tracked object; with the libraries loaded
    that is some 75,000 objects and 70 ms or more on a small machine, long
    enough to stall Slack's acks while an import allocates. Frozen objects are
    never walked again (the same trick large Python web services use).
    """
    gc.collect()
    gc.freeze()


def build_services(settings: Settings, job_clock: Clock = utc_now) -> Services:
    return Services.build(
        TortoiseStore(),
        env_admins=settings.admins,
        letters=Letters(settings.school_name, settings.public_base_url),
        invite_ttl=timedelta(hours=settings.invite_ttl_hours),
        mail_retry_base=settings.mail_retry_base_seconds,
        delivering=settings.smtp_url is not None,
        job_clock=job_clock,
    )


async def run_worker(settings: Settings) -> None:
    """`roster worker`: applies approved bulk jobs until SIGTERM or Ctrl-C."""
    services = build_services(settings)
    presence = SlackPresence(services.workspace)
    runner = job_runner(settings, services, presence, Metrics())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal in (SIGINT, SIGTERM):
        loop.add_signal_handler(signal, stop.set)
    await db.migrate(settings.database_url)
    await db.connect(settings.database_url)
    settle_heap()
    watch = asyncio.create_task(_watch(presence, runner.client, stop))
    try:
        await runner.run(stop)
        await services.rules.settled()
    finally:
        stop.set()
        await watch
        await db.close()


def create_app(settings: Settings, *, job_clock: Clock = utc_now) -> web.Application:
    """Nothing connects here; the database opens and closes with the app. ``job_clock``
    is the time bulk jobs go by (tests move it to see retention at work)."""
    services = build_services(settings, job_clock)
    app = web.Application()
    app[SERVICES] = services
    app[PRESENCE] = presence = SlackPresence(services.workspace)
    app[LEADERSHIP] = leadership = Leadership(settings.database_url)
    app[METRICS] = metrics = Metrics()
    checker = SpreadsheetChecker(at_once=settings.parses_at_once, seconds=settings.parse_seconds)
    runner = job_runner(settings, services, presence, metrics)
    app[BOLT] = build_bolt(settings, services, checker, runner, presence)
    app.on_cleanup.append(lambda _: _close(checker))
    app.on_cleanup.append(lambda _: _close_hasher(services))
    app.cleanup_ctx.append(_database(settings))
    app.cleanup_ctx.append(_presence)
    app.cleanup_ctx.append(_schedule(settings))
    app.cleanup_ctx.append(_mail(settings))
    app.cleanup_ctx.append(_jobs(settings, runner))
    if settings.socket_mode:
        app.cleanup_ctx.append(_socket_mode(settings))
    app.router.add_post("/slack/events", _slack_events)
    health.add_routes(app, services, metrics, lambda: leadership.leading)
    learner_pages.add_routes(
        app,
        services,
        base_url=settings.public_base_url,
        school=settings.school_name,
        trusted_proxies=settings.trusted_proxies,
    )
    activity_api.add_routes(app, services, secret=settings.activity_secret)
    certificates.add_routes(
        app, services, school=settings.school_name, trusted_proxies=settings.trusted_proxies
    )
    return app


ACCESS_LOG = RedactingAccessLogger
"""How every Roster server logs requests: password-link tokens never reach the log."""


@asynccontextmanager
async def running_on_loopback(
    settings: Settings,
    *,
    port: int = 0,
    access_log: logging.Logger | None = None,
    job_clock: Clock = utc_now,
) -> AsyncIterator[tuple[web.Application, str]]:
    """Roster on loopback (a free port by default), for the demo, tests and benchmarks;
    no access log unless one is given."""
    app = create_app(settings, job_clock=job_clock)
    runner = web.AppRunner(app, access_log=access_log, access_log_class=ACCESS_LOG)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield app, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def _slack_events(request: web.Request) -> web.Response:
    started = time.monotonic()
    bolt_request = await to_bolt_request(request)
    response = await request.app[BOLT].async_dispatch(bolt_request)
    answered = await to_aiohttp_response(response)
    kind = request_kind(bolt_request.body)
    request.app[METRICS].slack_requests.labels(kind).observe(time.monotonic() - started)
    return answered


def _database(settings: Settings) -> CleanupContext:
    async def database(app: web.Application) -> AsyncIterator[None]:
        await db.migrate(settings.database_url)
        await db.connect(settings.database_url)
        yield
        await db.close()

    return database


async def _presence(app: web.Application) -> AsyncIterator[None]:
    """Whether Slack still takes Roster's token, checked at start (a departure may be
    recorded) and kept fresh while Roster runs."""
    stop = asyncio.Event()
    task = asyncio.create_task(_watch(app[PRESENCE], app[BOLT].client, stop))
    yield
    stop.set()
    await task


async def _watch(presence: SlackPresence, client: AsyncWebClient, stop: asyncio.Event) -> None:
    await presence.watch(str(client.token), client.base_url, stop)


async def _close(checker: SpreadsheetChecker) -> None:
    checker.close()


async def _close_hasher(services: Services) -> None:
    services.accounts.hasher.close()


def _mail(settings: Settings) -> CleanupContext:
    """Delivers the outbox when SMTP is set; otherwise tells the admins, once. At
    shutdown, password links being answered are queued before the worker stops."""

    async def mail(app: web.Application) -> AsyncIterator[None]:
        services, stop = app[SERVICES], asyncio.Event()
        if settings.smtp_url:
            await services.emails.forget_told(SMTP_MISSING_TOLD)
            transport = SmtpTransport(settings.smtp_url, settings.mail_from)
            worker = DeliveryWorker(
                services,
                transport,
                interval=settings.mail_poll_seconds,
                metrics=app[METRICS],
                hold=timedelta(seconds=settings.mail_hold_seconds),
            )
            job = worker.run(stop)
        else:
            job = tell_admins_smtp_is_missing(
                services,
                app[BOLT].client,
                app[PRESENCE],
                stop,
                interval=settings.mail_poll_seconds,
            )
        task = asyncio.create_task(job)
        yield
        await services.resets.settled()
        stop.set()
        await task

    return mail


def _schedule(settings: Settings) -> CleanupContext:
    """Time-triggered work: every group rule re-evaluated once at start (a change
    made just before a crash may not have reached its rules), then the dated ones
    every ``ROSTER_RULE_SWEEP_MINUTES``; events past ``ROSTER_EVENT_RETENTION_DAYS``
    are deleted daily; on becoming the leader, scheduled reports
    a dead leader left half-posted are marked uncertain, then the due ones are
    posted every minute. At shutdown the
    runs under way finish, then the last round of changes."""

    async def schedule(app: web.Application) -> AsyncIterator[None]:
        rules = app[SERVICES].rules
        runs = app[METRICS].scheduled_runs
        timetable = Schedule(timed=lambda job, seconds: runs.labels(job).observe(seconds))

        async def everyone() -> None:
            await rules.sweep(dated_only=False)

        async def dated() -> None:
            await rules.sweep(dated_only=True)

        async def left_marked() -> None:
            await rules.drain()

        async def retention() -> None:
            keep = timedelta(days=settings.job_retention_days)
            await prune_job_rows(app[SERVICES].bulk, keep=keep)

        timetable.once("rules at start", everyone)
        timetable.every("dated rules", settings.rule_sweep_minutes * 60, dated)
        timetable.every("users left marked", MARKS_LEFT_SECONDS, left_marked)
        timetable.every("bulk rows retention", settings.job_prune_seconds, retention, now=True)

        async def event_retention() -> None:
            await app[SERVICES].events.prune(keep_days=settings.event_retention_days)

        timetable.every("events retention", settings.event_prune_seconds, event_retention)
        feed = EventFeed(app[BOLT].client, app[SERVICES])
        timetable.every("events feed", settings.event_feed_seconds, feed.round)
        sender = WebhookSender(
            app[BOLT].client,
            app[SERVICES],
            allow_private=settings.webhook_allow_private,
            ca_file=settings.webhook_ca_file,
        )
        timetable.every("webhooks", settings.webhook_seconds, sender.round)

        reports = ScheduledReports(app[BOLT].client, app[SERVICES])

        async def due_reports() -> None:
            await reports.run_due(utc_now())

        async def cut_short() -> None:
            await reports.recover(now=utc_now())

        def lead(leading: bool) -> None:
            """A new leader first settles what a dead one may have left half-posted."""
            if leading:
                timetable.once("reports cut short", cut_short)
            timetable.lead(leading)

        timetable.every("scheduled reports", REPORT_TICK_SECONDS, due_reports, now=True)
        timetable.start()
        stop = asyncio.Event()
        leading = asyncio.create_task(app[LEADERSHIP].run(stop, lead))
        yield
        stop.set()
        await leading
        await timetable.stop()
        await rules.settled()

    return schedule


def _jobs(settings: Settings, runner: JobRunner) -> CleanupContext:
    """Checks cut short by a restart are failed; approved jobs run here unless a
    separate `roster worker` runs them."""

    async def jobs(app: web.Application) -> AsyncIterator[None]:
        await app[SERVICES].bulk.fail_interrupted_checks()
        settle_heap()
        if not settings.run_jobs:
            yield
            return
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        yield
        stop.set()
        await task

    return jobs


def _socket_mode(settings: Settings) -> CleanupContext:
    async def socket_mode(app: web.Application) -> AsyncIterator[None]:
        handler = AsyncSocketModeHandler(app[BOLT], settings.slack_app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]  # slack_bolt: unannotated
        yield
        await handler.close_async()  # type: ignore[no-untyped-call]  # slack_bolt: unannotated

    return socket_mode
