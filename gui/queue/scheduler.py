"""Runs the queue: starts jobs in order on their backend, turns the backend's plain
progress events into entry updates and Qt signals, and handles pause, cancel, retry and
re-render. Pausing the queue also pauses the jobs that are running (a job whose backend
cannot pause keeps running, and its row says so).

Jobs run as asyncio tasks on the GUI thread's event loop (qasync); blocking work runs in
executors: reading manifests in the I/O executor, the preflight checks (which may wait on the
network, for a cloud backend) in the checks executor. A problem that would stop every job
(no ffmpeg, an output folder that cannot be written, a full disk) holds the queue and is
reported once, instead of failing each job in turn. A job whose folder another FrameFan is
processing waits in its row ("in use") and starts once that one is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core import job_folder
from core.errors import FrameFanError
from core.events import (
    JobEvent,
    JobFinished,
    JobProgress,
    JobStarted,
    OverviewAdded,
    SnippetFailed,
    SnippetFinished,
    SnippetStarted,
    UploadPlanned,
    UploadProgress,
)
from core.layout import MANIFEST_NAME, job_dir_for
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, RUNNING, Manifest
from core.preflight import MIN_FREE_BYTES, Problem, check_free_space, check_output_folder
from core.progress import EASING
from core.runner import JobControl

from ..auto_backend import choose
from ..backends import AUTO, Backend, RunnerOptions, backend
from ..user_settings import UserSettings
from .entry import BUSY, PAUSED, QUEUED, SNIPPETS, STREAMING, UPLOAD, QueueEntry
from .model import QueueModel

log = logging.getLogger(__name__)

_TICK_MS = 1000  # how often elapsed times of running jobs are redrawn
_BUSY_CHECK_MS = 2000  # how often a job in use elsewhere looks whether it is free


class JobScheduler(QObject):
    jobStarted = Signal(str)  # entry id: its manifest now exists
    snippetChanged = Signal(str, int, str)  # entry id, snippet index, its new status
    overviewAdded = Signal(str, object)  # entry id, tuple of core.manifest.FrameRecord
    snippetSide = Signal(str, int, str)  # entry id, snippet index, where it was rendered
    jobFinished = Signal(str)  # entry id
    jobWaiting = Signal(str)  # entry id: its folder is in use elsewhere; it starts later
    problemFound = Signal(object)  # core.preflight.Problem
    heldChanged = Signal(bool)
    queueFinished = Signal(int, int, int)  # jobs done, failed (or partly), cancelled

    def __init__(
        self,
        model: QueueModel,
        settings: Callable[[], UserSettings],
        io: Executor,
        *,
        checks: Executor | None = None,
        min_free: int = MIN_FREE_BYTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._settings = settings
        self._io = io
        self._checks = checks or io
        self._min_free = min_free
        self._held = False
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._controls: dict[str, JobControl] = {}
        self._queue_paused: set[str] = set()  # jobs held by the queue's pause, not by hand
        self._finished = Counter[str]()
        # Seconds of work per second of video, by backend, as the latest jobs measured (for
        # the time the waiting ones will take).
        self.rates: dict[str, float] = {}
        self.batch: set[str] = set()  # jobs started since the queue last stood idle
        self._closing = False
        self._ticker = QTimer(self)
        self._ticker.setInterval(_TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(_BUSY_CHECK_MS)
        self._busy_timer.timeout.connect(self._check_busy)
        self._busy_check: asyncio.Task[None] | None = None

    # -- queue-wide -----------------------------------------------------------------------

    @property
    def held(self) -> bool:
        return self._held

    def set_held(self, held: bool) -> None:
        if held != self._held:
            self._held = held
            self.heldChanged.emit(held)
        if not held:
            self._pump()

    def pump(self) -> None:
        """Start waiting jobs as far as the backends allow."""
        self._pump()

    def pause_queue(self) -> None:
        """Start no new job, and pause the running ones (as far as their backends can)."""
        self.set_held(True)
        for entry_id in list(self._tasks):
            entry = self._model.entry(entry_id)
            if entry is None or entry.status != RUNNING:
                continue
            if backend(entry.backend).can_pause:
                self._queue_paused.add(entry_id)
                self.pause(entry_id)  # a job still in its checks pauses once it has started
            else:
                entry.notice = f"Keeps running: {backend(entry.backend).label} jobs cannot pause"
                self._model.touch(entry_id)

    def start_queue(self) -> None:
        """Resume the jobs the queue's pause held, then start waiting ones."""
        for entry_id in list(self._queue_paused):
            self.resume(entry_id)
        self._queue_paused.clear()
        for entry in self._model:
            if entry.notice:
                entry.notice = None
                self._model.touch(entry.id)
        self.set_held(False)

    def running(self) -> list[str]:
        return list(self._tasks)

    def is_idle(self) -> bool:
        return not self._tasks

    async def shutdown(self) -> None:
        """Stop every running job (their ffmpeg processes end) and keep them queued, so
        that the next session resumes them."""
        self._closing = True
        self._ticker.stop()
        self._busy_timer.stop()
        tasks = list(self._tasks.values())
        if self._busy_check is not None:
            tasks.append(self._busy_check)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- one job --------------------------------------------------------------------------

    def can_pause(self, entry: QueueEntry) -> bool:
        return backend(entry.backend).can_pause and entry.id in self._controls

    def pause(self, entry_id: str) -> None:
        entry, control = self._model.entry(entry_id), self._controls.get(entry_id)
        if entry is None or control is None or entry.status != RUNNING:
            return
        if not self.can_pause(entry):
            return  # its backend cannot hold a job (the work runs elsewhere)
        control.pause()
        entry.stop_clock()
        entry.status = PAUSED
        entry.set_eta(None)
        self._model.touch(entry_id, structural=True)

    def resume(self, entry_id: str) -> None:
        self._queue_paused.discard(entry_id)
        entry, control = self._model.entry(entry_id), self._controls.get(entry_id)
        if entry is None or control is None or entry.status != PAUSED:
            return
        control.resume()
        entry.status, entry.run_started = RUNNING, time.monotonic()
        self._model.touch(entry_id, structural=True)

    def look_at(self, entry_id: str, t: float) -> None:
        """The user looks at ``t`` seconds into a running job's video, where nothing is
        rendered yet: that part is rendered (or downloaded) next."""
        control = self._controls.get(entry_id)
        if control is not None:
            control.look_at(t)

    def cancel(self, entry_id: str) -> None:
        entry = self._model.entry(entry_id)
        if entry is None:
            return
        task = self._tasks.get(entry_id)
        if task is not None:
            task.cancel()
        elif entry.status in (QUEUED, BUSY):
            entry.status = CANCELLED
            self._model.touch(entry_id, structural=True)

    def retry(self, entry_id: str) -> None:
        """Queue a finished job again: done snippets are kept, the others are rendered."""
        entry = self._model.entry(entry_id)
        if entry is None or entry.status == DONE:
            return
        self._queue_again(entry)

    def rerender(self, entry_id: str) -> None:
        """Queue a finished job to start over in its folder with the current settings."""
        entry = self._model.entry(entry_id)
        if entry is not None and entry.finished:
            entry.rerender = True
            self._queue_again(entry)

    def _queue_again(self, entry: QueueEntry) -> None:
        if entry.input is None or not entry.finished:
            return
        entry.status, entry.error = QUEUED, None
        entry.set_eta(None)
        self._model.touch(entry.id, structural=True)
        self._pump()

    def remove(self, entry_id: str) -> None:
        task = self._tasks.get(entry_id)
        if task is not None:
            task.cancel()  # the job records itself cancelled; its files stay
        self._model.remove(entry_id)

    # -- scheduling -----------------------------------------------------------------------

    def _pump(self) -> None:
        if self._held or self._closing:
            return
        busy = Counter(e.backend for e in self._model if e.id in self._tasks)
        for entry in self._model:
            if entry.status != QUEUED or entry.id in self._tasks or entry.input is None:
                continue
            chosen = backend(entry.backend)
            if busy[chosen.key] >= chosen.concurrent_jobs:
                continue
            busy[chosen.key] += 1
            entry.status, entry.error, entry.phase = RUNNING, None, None
            entry.set_eta(None)
            entry.upload_sent = entry.upload_total = 0
            entry.streamed = False
            entry.run_started = time.monotonic()
            self._model.touch(entry.id, structural=True)
            self.batch.add(entry.id)
            self._tasks[entry.id] = asyncio.ensure_future(self._run(entry, chosen))
        if self._tasks and not self._ticker.isActive():
            self._ticker.start()

    async def _run(self, entry: QueueEntry, chosen: Backend) -> None:
        cancelled = False
        try:
            await self._run_job(entry, chosen)
        except asyncio.CancelledError:
            entry.status = QUEUED if self._closing else CANCELLED
            cancelled = True
        except Exception as exc:  # a bug must not take the window down: log it, show it
            log.exception("job %s failed unexpectedly", entry.name)
            entry.status = FAILED
            entry.error = f"unexpected error ({exc.__class__.__name__}); details are in the log"
        finally:
            self._controls.pop(entry.id, None)
            self._queue_paused.discard(entry.id)
            entry.stop_clock()
            entry.phase = entry.notice = None
            entry.set_eta(None)
        if cancelled and not self._closing:
            await self._reread(entry)
        self._tasks.pop(entry.id, None)
        self._job_ended(entry)

    async def _resolve_auto(self, entry: QueueEntry, current: UserSettings) -> Backend:
        """Give an automatic job to the faster backend, from then on its own."""
        key = await asyncio.get_running_loop().run_in_executor(
            self._checks,
            choose,
            entry.input or "",
            current.processing,
            current.values_of("local"),
            current.values_of("lambda"),
        )
        entry.backend = key
        log.info("%s: automatic backend chose %s", entry.name, key)
        return backend(key)

    async def _run_job(self, entry: QueueEntry, chosen: Backend) -> None:
        loop = asyncio.get_running_loop()
        current = self._settings()
        if chosen.key == AUTO.key:
            chosen = await self._resolve_auto(entry, current)
        # A new job's folder is chosen only once the checks pass, so that fixing the output
        # folder in the settings applies to the jobs that were held.
        job_dir = entry.job_dir or job_dir_for(current.output_folder, entry.input or "")
        if entry.rerender:
            processing = current.processing
        else:
            processing = await loop.run_in_executor(self._io, _settings_of_job, job_dir, current)
        options = RunnerOptions(
            processing,
            current.ffmpeg or None,
            lambda event: self._on_event(entry.id, event),
            chosen.values(current.values_of),
            current.limits,
            current.overview,
        )
        problems = await loop.run_in_executor(
            self._checks, self._preflight, chosen, options, job_dir.parent
        )
        if problems:
            log.warning("queue held: %s", problems[0].message)
            entry.status = QUEUED
            self.set_held(True)
            self.problemFound.emit(problems[0])
            return
        entry.job_dir, entry.settings = job_dir, processing
        holder = await loop.run_in_executor(self._io, job_folder.holder, job_dir)
        if holder is not None:
            entry.status, entry.error = BUSY, waiting_message(holder)
            self._model.touch(entry.id, structural=True)
            self.jobWaiting.emit(entry.id)
            self._busy_timer.start()
            loop.call_soon(self._pump)  # the next job need not wait for this one
            return
        log.info("starting %s on %s into %s", entry.input, chosen.key, job_dir)
        control = JobControl()
        self._controls[entry.id] = control
        if entry.id in self._queue_paused:  # the queue was paused during the checks
            self.pause(entry.id)
        runner = chosen.make_runner(options)
        manifest = await runner.run_job(entry.input or "", job_dir, control=control)
        entry.status = manifest.status
        entry.error = manifest.problem()
        entry.take_progress(manifest)
        if entry.status == FAILED and not manifest.snippets and not job_dir.exists():
            entry.job_dir = entry.settings = None  # refused before any work: no folder made
        log.info("%s: %s%s", entry.name, entry.status, f" ({entry.error})" if entry.error else "")

    async def _reread(self, entry: QueueEntry) -> None:
        """After a stop: what the job kept, from its manifest (work under way is lost)."""
        if entry.job_dir is None:
            return
        loop = asyncio.get_running_loop()
        try:
            manifest = await loop.run_in_executor(self._io, Manifest.load, entry.job_dir)
        except (FrameFanError, RuntimeError, asyncio.CancelledError):
            return  # no manifest yet, or the window is closing
        entry.take_progress(manifest)

    def _preflight(self, chosen: Backend, options: RunnerOptions, folder: Path) -> list[Problem]:
        problems = list(chosen.check(options))
        for problem in (check_output_folder(folder), check_free_space(folder, self._min_free)):
            if problem is not None:
                problems.append(problem)
                break
        return problems

    def _job_ended(self, entry: QueueEntry) -> None:
        if self._model.entry(entry.id) is not None:
            self._model.touch(entry.id, structural=True)
            if entry.finished:
                self._finished[entry.status] += 1
                self.jobFinished.emit(entry.id)
        if self._closing:
            return
        self._pump()
        if not self._tasks:
            self._ticker.stop()
            waiting = any(e.status == QUEUED and e.input for e in self._model)
            if not waiting and not self._held:
                self.batch.clear()
                self._announce()

    def _announce(self) -> None:
        counts, self._finished = self._finished, Counter()
        done, failed = counts[DONE], counts[FAILED] + counts[PARTIAL]
        if done or failed:
            self.queueFinished.emit(done, failed, counts[CANCELLED])

    def _tick(self) -> None:
        for entry_id in self._tasks:
            self._model.touch(entry_id)

    def _check_busy(self) -> None:
        if self._busy_check is None or self._busy_check.done():
            self._busy_check = asyncio.ensure_future(self._recheck_busy())

    async def _recheck_busy(self) -> None:
        """Queue again the jobs in use elsewhere whose folder is free now."""
        loop = asyncio.get_running_loop()
        waiting = [e for e in self._model if e.status == BUSY and e.job_dir is not None]
        for entry in waiting:
            holder = await loop.run_in_executor(self._io, job_folder.holder, entry.job_dir)
            if holder is None and entry.status == BUSY:
                entry.status, entry.error = QUEUED, None
                self._model.touch(entry.id, structural=True)
        if not any(e.status == BUSY for e in self._model):
            self._busy_timer.stop()
        self._pump()

    # -- events from the backend ----------------------------------------------------------

    def _on_event(self, entry_id: str, event: JobEvent) -> None:
        entry = self._model.entry(entry_id)
        if entry is None:
            return
        if isinstance(event, JobStarted):
            entry.rerender = False  # its manifest now holds the settings it runs with
            source = event.source
            entry.duration, entry.width, entry.height = source.duration, source.width, source.height
            entry.total, entry.done = event.total, event.done
            self._uploaded(entry)
            self.jobStarted.emit(entry_id)
        elif isinstance(event, UploadPlanned):
            # Rendering goes on during the upload: of segments, or here (both at once).
            entry.streamed = event.mode == "segments" or entry.backend == "hybrid"
        elif isinstance(event, UploadProgress):
            entry.upload_sent, entry.upload_total = event.sent, event.total
            entry.phase = UPLOAD
            if entry.streamed:
                entry.phase = STREAMING if event.sent < event.total else SNIPPETS
        elif isinstance(event, SnippetStarted):
            self._uploaded(entry)
        elif isinstance(event, JobProgress):
            self._uploaded(entry)
            entry.fraction = event.fraction
            if entry.status == RUNNING:  # a paused job shows no time left
                entry.set_eta(event.eta)
                self._measure_rate(entry, event)
            entry.done, entry.failed, entry.total = event.done, event.failed, event.total
        elif isinstance(event, OverviewAdded):
            self.overviewAdded.emit(entry_id, event.pictures)
        elif isinstance(event, SnippetFinished):
            self._uploaded(entry)
            self.snippetChanged.emit(entry_id, event.index, DONE)
            if event.backend:
                self.snippetSide.emit(entry_id, event.index, event.backend)
        elif isinstance(event, SnippetFailed):
            entry.error = event.error
            self.snippetChanged.emit(entry_id, event.index, FAILED)
        elif isinstance(event, JobFinished):
            entry.error = event.error or entry.error
        self._model.touch(entry_id)

    def _measure_rate(self, entry: QueueEntry, event: JobProgress) -> None:
        """Seconds of work per second of video, from the job's estimate (eased, as is the
        estimate itself)."""
        left = (1.0 - event.fraction) * (entry.duration or 0.0)
        if event.eta is None or left <= 1.0:
            return
        rate = event.eta / left
        known = self.rates.get(entry.backend)
        self.rates[entry.backend] = rate if known is None else known + EASING * (rate - known)

    @staticmethod
    def _uploaded(entry: QueueEntry) -> None:
        """Any news of snippets after an upload means the upload is over."""
        if entry.phase == UPLOAD:
            entry.phase = SNIPPETS


def waiting_message(holder: int) -> str:
    reason = job_folder.busy_reason(holder)
    return f"{reason[:1].upper()}{reason[1:]}; waiting for it to finish"


def _settings_of_job(job_dir: Path, current: UserSettings):
    """A job that already has work keeps the settings it started with (so its finished
    snippets are kept); a new one takes the current settings."""
    if (job_dir / MANIFEST_NAME).is_file():
        with contextlib.suppress(FrameFanError):
            manifest = Manifest.load(job_dir)
            if manifest.snippets:
                return manifest.settings
    return current.processing
