"""The local backend: render a job's snippets in parallel with ffmpeg, and batches of jobs.

Snippets of all jobs share one pool of worker slots (one ffmpeg process each, the CPU count
by default), taken in order, so a batch finishes job after job while a job with few snippets
does not leave cores idle. Each finished snippet is recorded in the manifest at once, which
is what makes a re-run resume: snippets recorded done, with their files present, are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .batch import JobOutcome, run_batch
from .errors import FrameFanError
from .events import (
    EventCallback,
    JobEvent,
    JobFinished,
    JobProgress,
    JobStarted,
    SnippetFailed,
    SnippetFinished,
    SnippetStarted,
)
from .ffmpeg_process import ProcessGroup
from .input_safety import Source, as_source
from .layout import FRAMES_DIR, GIFS_DIR, MANIFEST_NAME, WORK_DIR, frame_relpath
from .manifest import CANCELLED, DONE, FAILED, PENDING, RUNNING, Manifest, SnippetRecord, SourceInfo
from .plan import frame_indices
from .probe import MediaInfo, probe
from .progress import ProgressTracker
from .render import render_snippet
from .settings import Settings

log = logging.getLogger(__name__)

# Progress events for one job are sent at most this often (seconds), state changes aside.
_PROGRESS_INTERVAL = 0.25


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class JobControl:
    """Pause and resume for one running job (cancel by cancelling its task)."""

    def __init__(self) -> None:
        self.group = ProcessGroup()
        self._running = asyncio.Event()
        self._running.set()
        self._listeners: list[ProgressTracker] = []

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        """Suspend running ffmpeg processes (POSIX) and start no new snippet."""
        self._running.clear()
        self.group.pause()
        for tracker in self._listeners:
            tracker.pause()

    def resume(self) -> None:
        self._running.set()
        self.group.resume()
        for tracker in self._listeners:
            tracker.resume()

    async def wait_running(self) -> None:
        await self._running.wait()

    def _attach(self, tracker: ProgressTracker) -> None:
        self._listeners.append(tracker)
        if self.paused:
            tracker.pause()


@dataclass(frozen=True)
class SnippetChoice:
    """Which snippets a run renders when another renderer shares the job (the hybrid
    backend): workers take them in ``order``; ``claim(index)`` is asked when a worker is
    free for one, and False leaves it pending, for the other renderer."""

    order: Sequence[int]
    claim: Callable[[int], bool]


@dataclass
class LocalRunner:
    settings: Settings
    workers: int = field(default_factory=default_workers)
    ffmpeg: str | None = None
    on_event: EventCallback | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        self._slots = asyncio.Semaphore(self.workers)

    # -- public API -----------------------------------------------------------------------

    async def run_batch(
        self, inputs: Sequence[str | os.PathLike[str]], out_root: Path
    ) -> list[JobOutcome]:
        """Run one job per input under ``out_root``; one bad input fails alone."""
        return await run_batch(self.run_job, inputs, out_root)

    async def run_job(
        self,
        source: str | os.PathLike[str] | Source,
        job_dir: Path,
        *,
        control: JobControl | None = None,
        choice: SnippetChoice | None = None,
    ) -> Manifest:
        """Process one input into ``job_dir``; returns its final manifest.

        Never raises for a bad input or a failed snippet: the manifest says what happened.
        Cancelling the task stops every ffmpeg process of the job, records the job as
        cancelled and re-raises the cancellation. With ``choice``, only the snippets it
        claims are rendered, in its order.
        """
        control = control or JobControl()
        job_id = job_dir.name
        try:
            src = source if isinstance(source, Source) else as_source(source)
        except FrameFanError as exc:
            return self._fail(job_dir, job_id, os.fspath(source), str(exc))
        try:
            job_dir.mkdir(parents=True, exist_ok=True)
            manifest, info = await self._prepare(src, job_dir, job_id, control)
        except FrameFanError as exc:
            return self._fail(job_dir, job_id, src.name, str(exc))
        except OSError as exc:
            return self._fail(job_dir, job_id, src.name, _os_message(job_dir, exc))
        return await _JobRun(self, src, info, job_dir, manifest, control, choice).run()

    # -- internals ------------------------------------------------------------------------

    def _emit(self, event: JobEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _fail(self, job_dir: Path, job_id: str, name: str, error: str) -> Manifest:
        manifest = Manifest.rejected(job_id, name, self.settings, error)
        path = job_dir / MANIFEST_NAME
        with contextlib.suppress(OSError):
            path = manifest.save(job_dir)
        self._emit(JobFinished(job_id, FAILED, error, path))
        return manifest

    async def _prepare(
        self, src: Source, job_dir: Path, job_id: str, control: JobControl
    ) -> tuple[Manifest, MediaInfo]:
        await control.wait_running()
        async with self._slots:
            info = await probe(src, ffmpeg=self.ffmpeg)
        source = SourceInfo.from_media(src.name, info, _fingerprint(src), local_file(src))
        previous = _load_previous(job_dir)
        if previous is not None and _same_job(previous, source, self.settings):
            _reconcile(previous, job_dir)
            previous.source.path = source.path  # where the input is now
            return previous, info
        for name in (GIFS_DIR, FRAMES_DIR, WORK_DIR):  # outputs of other settings or input
            shutil.rmtree(job_dir / name, ignore_errors=True)
        return Manifest.planned(job_id, source, self.settings), info


class _JobRun:
    """One run of one job: schedules its pending snippets and keeps its manifest."""

    def __init__(
        self,
        runner: LocalRunner,
        src: Source,
        info: MediaInfo,
        job_dir: Path,
        manifest: Manifest,
        control: JobControl,
        choice: SnippetChoice | None = None,
    ) -> None:
        self.runner = runner
        self.src = src
        self.info = info
        self.job_dir = job_dir
        self.manifest = manifest
        self.control = control
        self.choice = choice
        self.todo = [s for s in manifest.snippets if s.status != DONE]
        if choice is not None:
            by_index = {s.index: s for s in self.todo}
            self.todo = [by_index[i] for i in choice.order if i in by_index]
        self.tracker = ProgressTracker.for_manifest(manifest)
        control._attach(self.tracker)
        self._last_progress = 0.0

    async def run(self) -> Manifest:
        runner, manifest = self.runner, self.manifest
        for record in self.todo:
            record.status, record.error = PENDING, None
        manifest.status, manifest.error = RUNNING, None
        path = self._save()
        total = len(manifest.snippets)
        done = total - len(self.todo)
        runner._emit(JobStarted(manifest.job_id, manifest.source, path, total, done))
        self._progress(force=True)
        tasks = [asyncio.ensure_future(self._snippet(r)) for r in self.todo]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for record in manifest.snippets:
                if record.status == RUNNING:
                    record.status = PENDING
            self._finish(CANCELLED)
            raise
        self._finish(manifest.settled_status())
        return manifest

    def _finish(self, status: str) -> None:
        with contextlib.suppress(OSError):  # scratch space, once no render uses it
            (self.job_dir / WORK_DIR).rmdir()
        self.manifest.status = status
        path = self._save()
        self._progress(force=True)
        self.runner._emit(JobFinished(self.manifest.job_id, status, self.manifest.error, path))

    def _save(self) -> Path:
        self.manifest.refresh_frames()
        try:
            return self.manifest.save(self.job_dir)
        except OSError as exc:
            # The outputs are on disk; only the record is stale. Say so, keep going.
            log.error("%s", _os_message(self.job_dir, exc))
            return self.job_dir / MANIFEST_NAME

    def _progress(self, force: bool = False) -> None:
        now = asyncio.get_running_loop().time()
        if not force and now - self._last_progress < _PROGRESS_INTERVAL:
            return
        self._last_progress = now
        counts = self.manifest.counts()
        total = len(self.manifest.snippets)
        fraction, eta = self.tracker.fraction, self.tracker.eta
        self.runner._emit(
            JobProgress(self.manifest.job_id, fraction, counts[DONE], counts[FAILED], total, eta)
        )

    def _threads(self) -> int:
        # Few snippets left: give each ffmpeg more threads so no core idles.
        parallel = max(1, min(self.runner.workers, len(self.todo)))
        return max(1, (os.cpu_count() or 1) // parallel)

    async def _snippet(self, record: SnippetRecord) -> None:
        runner, job_id = self.runner, self.manifest.job_id
        await self.control.wait_running()
        async with runner._slots:
            await self.control.wait_running()
            if self.choice is not None and not self.choice.claim(record.index):
                return  # left to the other renderer
            record.status = RUNNING
            runner._emit(SnippetStarted(job_id, record.index))
            try:
                output = await render_snippet(
                    self.src,
                    self.info,
                    record.snippet,
                    self.manifest.settings,
                    self.job_dir,
                    ffmpeg=runner.ffmpeg,
                    threads=self._threads(),
                    on_progress=lambda f: self._on_render_progress(record.index, f),
                    group=self.control.group,
                )
            except (FrameFanError, OSError) as exc:
                message = _os_message(self.job_dir, exc) if isinstance(exc, OSError) else str(exc)
                record.status, record.error = FAILED, message
                self.tracker.drop(record.index)
                self._save()
                runner._emit(SnippetFailed(job_id, record.index, message))
                self._progress(force=True)
                return
        record.status, record.gif, record.seconds = DONE, output.gif, round(output.seconds, 3)
        self.tracker.update(record.index, 1.0)
        self._save()
        frames = tuple(f for f in self.manifest.frames if record.start <= f.t < record.end)
        runner._emit(SnippetFinished(job_id, record.index, output.gif, frames, output.seconds))
        self._progress(force=True)

    def _on_render_progress(self, index: int, fraction: float) -> None:
        self.tracker.update(index, fraction)
        self._progress()


def local_file(src: Source) -> str | None:
    """The absolute path of a local input, as the manifest records it."""
    return str(src.local_path) if src.local_path is not None else None


def _fingerprint(src: Source) -> str | None:
    if src.local_path is None:
        return None
    stat = src.local_path.stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def _load_previous(job_dir: Path) -> Manifest | None:
    if not (job_dir / MANIFEST_NAME).exists():
        return None
    try:
        return Manifest.load(job_dir)
    except FrameFanError as exc:
        log.warning("starting over: %s", exc)
        return None


def _same_job(previous: Manifest, source: SourceInfo, settings: Settings) -> bool:
    return (
        bool(previous.snippets)
        and previous.settings == settings
        and previous.source.fingerprint == source.fingerprint
        and previous.source.duration == source.duration
    )


def _reconcile(manifest: Manifest, job_dir: Path) -> None:
    """Keep as done only the snippets whose files are all still there."""
    for record in manifest.snippets:
        if record.status == DONE and _outputs_present(record, manifest.settings, job_dir):
            continue
        record.status, record.gif = PENDING, None


def _outputs_present(record: SnippetRecord, settings: Settings, job_dir: Path) -> bool:
    if not record.gif or not (job_dir / record.gif).is_file():
        return False
    indices: Iterable[int] = frame_indices(record.start, record.end, settings)
    return all((job_dir / frame_relpath(n)).is_file() for n in indices)


def _os_message(job_dir: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"the disk is full: no space left to write in {job_dir}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write in {job_dir}: permission denied (choose another output folder)"
    return f"cannot write in {job_dir}: {exc.strerror or exc}"
