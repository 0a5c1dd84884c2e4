"""The job runner: applies approved bulk jobs chunk by chunk and reports in their thread.

It runs inside ``roster serve`` or, with ``ROSTER_RUN_JOBS=no`` there, as its
own ``roster worker`` process. Every chunk commits with its checkpoint, so a
runner killed at any moment and started again picks up where it stopped; the
progress message's ts is kept on the job, so the restarted runner edits the
same message instead of posting a second one.

Progress edits go through a client with no rate-limit retries: a 429 only
postpones the next edit by Slack's Retry-After, and never holds up the import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.views.imports import progress_message, summary_message
from bot.xlsx_results import results_file, results_filename
from domain.bulk_jobs import FINISHED, BulkJob, BulkJobs, JobState

log = logging.getLogger("roster.jobs")

EDIT_INTERVAL = 1.0
"""At most one progress edit a second, under Slack's chat.update tier."""


class Progress:
    """The one progress message of a job, edited at most once a second."""

    def __init__(
        self, editor: AsyncWebClient, poster: AsyncWebClient, jobs: BulkJobs, job: BulkJob
    ) -> None:
        self._editor = editor
        """No rate-limit retries: a 429 postpones the next edit instead."""
        self._poster = poster
        """Retries 429s: the message's first post and last edit must get through."""
        self._jobs = jobs
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
        self._next_edit = time.monotonic() + EDIT_INTERVAL

    def rate(self, job: BulkJob) -> float | None:
        seconds = time.monotonic() - self._started
        rows = job.rows_done - self._rows_at_start
        return rows / seconds if rows > 0 and seconds > 0 else None

    async def update(self, job: BulkJob, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self._ts or (now < self._next_edit and not final):
            return
        self._next_edit = now + EDIT_INTERVAL
        text, blocks = progress_message(job, self.rate(job))
        client = self._poster if final else self._editor
        try:
            await client.chat_update(channel=self._channel, ts=self._ts, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.status_code != 429:
                log.warning("progress edit failed: %s", error.response.get("error"))
                return
            wait = float(error.response.headers.get("Retry-After", EDIT_INTERVAL))
            self._next_edit = now + max(wait, EDIT_INTERVAL)


class JobRunner:
    def __init__(
        self,
        jobs: BulkJobs,
        client: AsyncWebClient,
        *,
        chunk_rows: int = 2000,
        pause: float = 0.0,
        poll: float = 1.0,
    ) -> None:
        self._jobs = jobs
        self.client = client
        """The retrying client, shared with bolt: summaries must get through."""
        self._edits = AsyncWebClient(token=client.token, base_url=client.base_url)
        self._chunk_rows = chunk_rows
        self._pause = pause
        self._poll = poll
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """An approval in this process: start without waiting for the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            job = await self._jobs.next_runnable()
            if job is None:
                await self._sleep(stop)
                continue
            try:
                await self._run(job, stop)
            except Exception:
                log.exception("bulk job %s stopped; it resumes on the next round", job.id)
                await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.create_task(e.wait()) for e in (stop, self._wake)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.wait(waiters, return_when="FIRST_COMPLETED"), self._poll)
        for waiter in waiters:
            waiter.cancel()

    async def _run(self, job: BulkJob, stop: asyncio.Event) -> None:
        job = await self._jobs.start(job)
        progress = Progress(self._edits, self.client, self._jobs, job)
        if job.state is JobState.RUNNING:
            await progress.open(job)
            while job.state is JobState.RUNNING and not stop.is_set():
                job = await self._jobs.run_chunk(job, self._chunk_rows)
                await progress.update(job)
                if self._pause:
                    await asyncio.sleep(self._pause)
        if job.state in FINISHED and job.reported_at is None:
            await progress.update(job, final=True)
            await self._report(job)
            await self._jobs.reported(job.id)

    async def _report(self, job: BulkJob) -> None:
        """The summary, then every row's result as a file, in the job's thread."""
        text, blocks = summary_message(job)
        await self.client.chat_postMessage(
            channel=job.channel, thread_ts=job.thread_ts, text=text, blocks=blocks
        )
        if job.state is JobState.FAILED:
            return
        await self.client.files_upload_v2(
            channel=job.channel,
            thread_ts=job.thread_ts,
            content=await results_file(self._jobs, job),
            filename=results_filename(job),
            title=f"Results of {job.filename}",
            initial_comment="Each row of the file with what happened to it.",
        )
