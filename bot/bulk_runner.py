"""The job runner: applies approved bulk jobs chunk by chunk and reports in their thread.

It runs inside ``roster serve`` or, with ``ROSTER_RUN_JOBS=no`` there, as its
own ``roster worker`` process. Every chunk commits with its checkpoint, so a
runner killed at any moment and started again picks up where it stopped; the
progress message's ts is kept on the job, so the restarted runner edits the
same message instead of posting a second one.

Progress edits go through a client with no rate-limit retries: a 429 only
postpones the next edit by Slack's Retry-After, and never holds up the import.
A message is edited at most every 1.2 s, and every job message takes its turn in
the channel's pace (``bot.pacing``): an edit that finds no turn free is skipped
(the next one says more), the final edit waits for its turn, as every post does
(the runner's client is the process's paced one). A summary
or results file Slack won't take is tried a few times, then the thread says so.
The staged rows of jobs finished longer ago than the retention period are
deleted on the scheduler (``prune_job_rows``), a batch at a time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.pacing import PacedClient, Pacer
from bot.slack_presence import Departed, SlackPresence, without_retries
from bot.views.bulk import progress_message, report_not_sent, summary_message
from bot.worker_loop import WorkerLoop
from bot.xlsx_results import results_file, results_filename
from domain.bulk.model import FINISHED, BulkJob, JobState
from domain.bulk.service import BulkJobs

log = logging.getLogger("roster.bulk")

REPORT_TRIES = 3
"""Tries at posting a finished job's summary and results file before giving up."""
PRUNE_BATCH = 5000
PRUNE_PAUSE = 0.1
"""Staged rows deleted per statement when pruning, and the pause between batches:
another process writing the same SQLite file then waits some 30 ms at most, not
130 ms without the pause, and 500,000 rows go in about 12 s (see
benchmarks/job_retention.py)."""


class Progress:
    """The one progress message of a job, edited at most every 1.2 s and only when
    the channel's pace has a turn free."""

    def __init__(
        self,
        editor: AsyncWebClient,
        poster: AsyncWebClient,
        jobs: BulkJobs,
        job: BulkJob,
        pacer: Pacer,
    ) -> None:
        self._editor = editor
        """No rate-limit retries: a 429 postpones the next edit instead."""
        self._poster = poster
        """Retries 429s: the message's first post and last edit must get through."""
        self._jobs = jobs
        self._pacer = pacer
        self._ts = job.progress_ts
        self._channel = job.channel
        self._thread = job.thread_ts
        self._started = time.monotonic()
        self._rows_at_start = job.rows_done
        self._next_edit = 0.0

    async def open(self, job: BulkJob) -> None:
        """Posts the message, once per job: a resumed job edits the one it has."""
        if self._ts:
            return
        text, blocks = progress_message(job, None)
        posted = await self._poster.chat_postMessage(
            channel=self._channel, thread_ts=self._thread, text=text, blocks=blocks
        )
        self._ts = posted["ts"]
        await self._jobs.progress_posted(job.id, self._ts)
        self._next_edit = time.monotonic() + self._pacer.edit_interval

    def rate(self, job: BulkJob) -> float | None:
        seconds = time.monotonic() - self._started
        rows = job.rows_done - self._rows_at_start
        return rows / seconds if rows > 0 and seconds > 0 else None

    async def update(self, job: BulkJob, *, final: bool = False) -> None:
        """The latest counts; skipped while the message's last edit is too recent or
        the channel has no turn free, except the final edit, which waits for both."""
        if not self._ts:
            return
        if final:
            await asyncio.sleep(max(0.0, self._next_edit - time.monotonic()))
            await self._pacer.wait(self._channel)
        elif time.monotonic() < self._next_edit or not self._pacer.try_take(self._channel):
            return
        now = time.monotonic()
        interval = self._pacer.edit_interval
        self._next_edit = now + interval
        text, blocks = progress_message(job, self.rate(job))
        client = self._poster if final else self._editor
        try:
            await client.chat_update(channel=self._channel, ts=self._ts, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.status_code != 429:
                log.warning("progress edit failed: %s", error.response.get("error"))
                return
            wait = float(error.response.headers.get("Retry-After", interval))
            self._next_edit = now + max(wait, interval)


class JobRunner:
    def __init__(
        self,
        jobs: BulkJobs,
        client: PacedClient,
        *,
        chunk_rows: int = 2000,
        pause: float = 0.0,
        poll: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        report_retry: float = 60.0,
        presence: SlackPresence | None = None,
        applied: Callable[[int], None] = lambda rows: None,
    ) -> None:
        self._jobs = jobs
        self.client = client
        """The retrying, paced client, shared with bolt: summaries must get through."""
        self._edits = without_retries(client)
        self._pacer = client.pacer
        """The process's one pace per channel, which progress edits keep too."""
        self._presence = presence
        self._applied = applied
        self._lease = lease
        self._name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This runner, as the holder of the jobs it works on."""
        """Told how many rows each chunk applied (the metrics)."""
        """While Slack does not take Roster's token, jobs wait: their thread is how
        people follow and learn the outcome."""
        self._chunk_rows = chunk_rows
        self._pause = pause
        self._report_retry = report_retry
        """Seconds before a failed report is tried again, doubling with each try."""
        self._loop = WorkerLoop("bulk jobs", self._round, poll=poll)

    def wake(self) -> None:
        """An approval in this process: start without waiting for the next poll."""
        self._loop.wake()

    async def run(self, stop: asyncio.Event) -> None:
        await self._loop.run(stop)

    async def _round(self, stop: asyncio.Event) -> float | None:
        """The next approved job, to its end (or the stop); then at once the next."""
        job = None if await self._departed() else await self._jobs.claim(self._name, self._lease)
        if job is None:
            return None
        try:
            await self._run(job, stop)
            await self._jobs.release(job, self._name)
        except Departed:
            log.info("bulk job %s waits until Slack takes Roster's token again", job.id)
            return None
        except Exception:
            log.exception("bulk job %s stopped; it resumes on the next round", job.id)
            return None
        return 0

    async def _departed(self) -> bool:
        return self._presence is not None and await self._presence.refresh() is not None

    async def _run(self, job: BulkJob, stop: asyncio.Event) -> None:
        job = await self._jobs.start(job)
        progress = Progress(self._edits, self.client, self._jobs, job, self._pacer)
        if job.state is JobState.RUNNING:
            await progress.open(job)
            while job.state is JobState.RUNNING and not stop.is_set():
                if await self._departed():
                    return
                before = job.rows_done
                job = await self._jobs.run_chunk(job, self._chunk_rows)
                self._applied(job.rows_done - before)
                await progress.update(job)
                if not await self._jobs.renew(job, self._name, self._lease):
                    log.warning("bulk job %s was taken over by another runner", job.id)
                    return
                if self._pause:
                    await asyncio.sleep(self._pause)
        if job.state in FINISHED and job.reported_at is None:
            await self._report(job, progress)

    async def _report(self, job: BulkJob, progress: Progress) -> None:
        """The summary, then every row's result as a file, in the job's thread.

        A failed try (Slack refusing, the network, building the file) is tried again
        later, up to REPORT_TRIES in all, without posting the summary twice; after the
        last, the thread says what could not be sent and the job counts as reported,
        so nothing is posted again on every round.
        """
        try:
            await progress.update(job, final=True)
            await self._post_summary(job)
            if job.state is not JobState.FAILED:
                await self._send_results(job)
        except Departed:
            raise
        except Exception as error:
            retry_in = timedelta(seconds=self._report_retry * 2**job.report_attempts)
            failed = await self._jobs.report_failed(job.id, retry_in=retry_in)
            if failed.report_attempts < REPORT_TRIES:
                log.warning(
                    "reporting bulk job %s failed (try %s of %s): %s",
                    *(job.id, failed.report_attempts, REPORT_TRIES, _reason(error)),
                )
                return
            log.error("reporting bulk job %s failed %s times; giving up", job.id, REPORT_TRIES)
            await self._say_not_sent(failed, _reason(error))
        await self._jobs.reported(job.id)

    async def _post_summary(self, job: BulkJob) -> None:
        if job.summary_ts:
            return
        text, blocks = summary_message(job)
        posted = await self.client.chat_postMessage(
            channel=job.channel, thread_ts=job.thread_ts, text=text, blocks=blocks
        )
        await self._jobs.summary_posted(job.id, str(posted["ts"]))

    async def _send_results(self, job: BulkJob) -> None:
        await self.client.files_upload_v2(
            channel=job.channel,
            thread_ts=job.thread_ts,
            content=await results_file(self._jobs, job),
            filename=results_filename(job),
            title=f"Results of {job.filename}",
            initial_comment="Each row of the file with what happened to it.",
        )

    async def _say_not_sent(self, job: BulkJob, reason: str) -> None:
        """The last word in the thread; if even that fails, the log has it."""
        try:
            await self.client.chat_postMessage(
                channel=job.channel,
                thread_ts=job.thread_ts,
                text=report_not_sent(job, reason, tries=REPORT_TRIES),
            )
        except Exception:
            log.exception("could not tell bulk job %s's thread that its report failed", job.id)


def _reason(error: Exception) -> str:
    """Slack's error code when Slack refused, else the kind of failure."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return type(error).__name__


async def prune_job_rows(jobs: BulkJobs, *, keep: timedelta, batch: int = PRUNE_BATCH) -> None:
    """The staged rows of jobs finished longer ago than ``keep``, a batch at a time
    with a pause between, so the jobs running meanwhile wait a batch at most."""
    more = True
    while more:
        more = await jobs.prune_rows(keep=keep, limit=batch)
        if more:
            await asyncio.sleep(PRUNE_PAUSE)
