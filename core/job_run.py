"""One run of one local job: renders its pending snippets and keeps its manifest.

Snippets run as tasks limited by the runner's shared worker slots and by the job's own
render plan (:mod:`core.resources`: fewer at once for huge pictures). Which snippet a free
slot takes is decided when it frees: the first pending one in order, or, once the user has
looked at a time (:meth:`core.runner.JobControl.look_at`), the one there and those after it.
Beside the renders run the overview pass (:mod:`core.overview`: coarse pictures of the whole
video within seconds) and, when the probe left it, the packet scan that finds a truncated
file (:func:`core.probe.check_complete`); a truncated file fails the job as if the probe
had refused it, and a job folder made for the run is removed. The run stops early,
leaving unfinished snippets pending for a rerun, when the disk fills up (message:
"not enough space in <folder>: N MB free, about M MB needed") or the input changes under
it. Whatever happens, the manifest on disk ends with the job's true state, never
``running``: space kept aside at the start lets it be written on a full disk.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import input_watch, job_folder, space
from .errors import FrameFanError, InputRejectedError, RenderError
from .events import (
    JobFinished,
    JobProgress,
    JobStarted,
    OverviewAdded,
    SnippetFailed,
    SnippetFinished,
    SnippetStarted,
)
from .input_safety import Source
from .input_watch import InputIdentity
from .layout import MANIFEST_NAME, OUTPUT_DIRS, WORK_DIR, frame_relpath
from .manifest import (
    CANCELLED,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    FrameRecord,
    Manifest,
    SnippetRecord,
)
from .manifest_writer import ManifestWriter
from .overview import OverviewPass
from .plan import frame_indices, frame_time
from .platform.memory import available_memory
from .probe import MediaInfo, check_complete
from .progress import ProgressTracker
from .render import render_snippet
from .resources import render_plan

if TYPE_CHECKING:
    from .runner import JobControl, LocalRunner, SnippetChoice

log = logging.getLogger(__name__)

# Progress events for one job are sent at most this often (seconds), state changes aside.
PROGRESS_INTERVAL = 0.25
# How often the input is looked at while renders run (a render stalled on an input that
# became a FIFO is stopped then, not at its timeout).
INPUT_CHECK_INTERVAL = 2.0
# Time allowed for one render, before any has been measured: generous for the slowest
# footage on a slow machine, and still finite (a FIFO swapped in for the input blocks
# ffmpeg forever).
FIRST_TIMEOUT = 120.0  # seconds, plus
FIRST_TIMEOUT_PER_SECOND = 30.0  # seconds per second of snippet
# Once renders have been timed: this many times the slowest one so far (per second of
# snippet), never less than TIMEOUT_FLOOR.
TIMEOUT_MARGIN = 10.0
TIMEOUT_FLOOR = 120.0


class JobRun:
    def __init__(
        self,
        runner: LocalRunner,
        src: Source,
        info: MediaInfo,
        identity: InputIdentity | None,
        job_dir: Path,
        manifest: Manifest,
        control: JobControl,
        *,
        scan_left: bool = False,
        fresh: bool = False,
        choice: SnippetChoice | None = None,
    ) -> None:
        self.runner = runner
        self.src = src
        self.info = info
        self.identity = identity
        self.job_dir = job_dir
        self.manifest = manifest
        self.control = control
        self.todo = [s for s in manifest.snippets if s.status != DONE]
        self.choice = choice
        self._refused: set[int] = set()  # snippets the choice left to the other renderer
        if choice is not None:
            by_index = {s.index: s for s in self.todo}
            self.todo = [by_index[i] for i in choice.order if i in by_index]
        self.tracker = ProgressTracker.for_manifest(manifest)
        control._attach(self.tracker)
        self.writer = ManifestWriter(manifest, job_dir, self._write_failed)
        memory = runner.memory if runner.memory is not None else available_memory()
        plan = render_plan(runner.workers, len(self.todo), info, os.cpu_count() or 1, memory)
        self.threads = plan.threads
        self._renders = asyncio.Semaphore(plan.renders)
        self._speeds = [
            s.seconds / (s.end - s.start)
            for s in manifest.snippets
            if s.status == DONE and s.seconds
        ]
        self._reserve = space.Reserve(job_dir / WORK_DIR / ".reserve")
        self._tasks: list[asyncio.Task[None]] = []
        self.stopped: str | None = None  # why the run stopped early
        self.scan_left = scan_left  # the probe left the truncation check to the run
        self.fresh = fresh  # the job folder was made for this run
        self.rejected: str | None = None  # the input turned out to be unusable: why
        self.discarded = False  # what the run made was removed (a rejected input)
        self._last_progress = 0.0
        self._side: list[asyncio.Task[None]] = []  # overview pass, truncation check

    # -- the run --------------------------------------------------------------------------

    async def run(self) -> Manifest:
        manifest, runner = self.manifest, self.runner
        for record in self.todo:
            record.status, record.error = PENDING, None
        manifest.status, manifest.error = RUNNING, None
        self._check_space()
        path = self._save_now()
        total = len(manifest.snippets)
        runner._emit(
            JobStarted(manifest.job_id, manifest.source, path, total, total - len(self.todo))
        )
        self._progress(force=True)
        if self.scan_left:
            self._side.append(asyncio.ensure_future(self._check_complete()))
        if self.stopped is None:
            if runner.overview and self.todo:
                self._side.append(asyncio.ensure_future(self._overview()))
            self._tasks = [asyncio.ensure_future(self._worker()) for _ in self.todo]
        watch = asyncio.ensure_future(self._watch_input())
        try:
            results = await asyncio.gather(*self._tasks, return_exceptions=True)
            if self.scan_left and self.stopped is None:
                await self._finish_check(self._side[0])
        except asyncio.CancelledError:
            for task in [*self._tasks, *self._side]:
                task.cancel()
            await asyncio.gather(*self._tasks, *self._side, return_exceptions=True)
            self._finish(CANCELLED)
            raise
        finally:
            watch.cancel()
            for task in self._side:  # the renders are over: so is the overview's use
                task.cancel()
            await asyncio.gather(watch, *self._side, return_exceptions=True)
        bug = next((r for r in results if isinstance(r, Exception)), None)
        if bug is not None:  # not a bad input: a fault of ours, which must not leave `running`
            manifest.error = f"{self.src.name}: unexpected error ({bug.__class__.__name__})"
            self._finish(FAILED)
            raise bug
        if self.rejected is not None:
            manifest.error = self.rejected
            self._finish(FAILED)
            if self.discarded:
                return Manifest.rejected(
                    manifest.job_id, self.src.name, manifest.settings, self.rejected
                )
            return manifest
        if self.stopped is None:
            self.stopped = input_watch.change(self.src.local_path, self.identity)
        if self.stopped is not None:
            manifest.error = f"{self.src.name}: {self.stopped}"
        self._finish(manifest.settled_status())
        return manifest

    def _finish(self, status: str) -> None:
        self.writer.close()
        for record in self.manifest.snippets:
            if record.status == RUNNING:
                record.status = PENDING
        self._reserve.give_back()
        self.manifest.status = status
        if self.rejected is not None and self.fresh:
            self._discard()  # refused, as if before any work: no job folder
            path = self.job_dir / MANIFEST_NAME
        else:
            job_folder.drop_scratch(self.job_dir)
            path = self._save_final()
        self._progress(force=True)
        self.runner._emit(JobFinished(self.manifest.job_id, status, self.manifest.error, path))

    def _discard(self) -> None:
        """Remove what this run wrote in the folder made for it (its lock aside, which the
        runner removes with the folder): nothing through a link (core.job_folder.clear)."""
        for name in (*OUTPUT_DIRS, WORK_DIR, MANIFEST_NAME):
            job_folder.clear(self.job_dir / name)
        self.discarded = True

    async def _check_complete(self) -> None:
        try:
            async with self.runner._scans:
                await check_complete(self.src, self.info, ffmpeg=self.runner.ffmpeg)
        except InputRejectedError as exc:
            self.rejected = str(exc)
            self._stop(str(exc).removeprefix(f"{self.src.name}: "))
        except (FrameFanError, OSError) as exc:  # the renders meet the same problem: they say
            log.warning("%s: the check for a truncated file failed: %s", self.src.name, exc)

    async def _finish_check(self, check: asyncio.Task[None]) -> None:
        """Wait for the truncation check (outputs of a truncated file are not kept), as long
        as a render may take: it reads what the renders have read, without decoding, so
        one still running then is stalled (an input swapped for a FIFO, a hung disk)."""
        limit = render_timeout(self.manifest.settings.snippet_seconds, self._speeds)
        try:
            await asyncio.wait_for(asyncio.shield(check), limit)
        except TimeoutError:
            log.warning("%s: the check for a truncated file did not finish", self.src.name)

    async def _overview(self) -> None:
        start = self.manifest.overview[-1].t if self.manifest.overview else 0.0
        sweep = OverviewPass(
            self.src,
            self.info,
            self.job_dir,
            self._overview_pictures,
            ffmpeg=self.runner.ffmpeg,
            group=self.control.group,
            start=start,
        )
        async with self.runner._overviews:
            await sweep.run()

    def _overview_pictures(self, pictures: list[FrameRecord]) -> None:
        self.manifest.add_overview(pictures)
        self.writer.save_soon()
        self.runner._emit(OverviewAdded(self.manifest.job_id, tuple(pictures)))

    async def _watch_input(self) -> None:
        if self.identity is None:
            return
        while True:
            await asyncio.sleep(INPUT_CHECK_INTERVAL)
            changed = input_watch.change(self.src.local_path, self.identity)
            if changed is not None:
                self._stop(changed)
                return

    def _stop(self, reason: str) -> None:
        """End the run early: no new snippet starts, renders under way are stopped."""
        if self.stopped is None:
            self.stopped = reason
            log.warning("%s: stopping: %s", self.src.name, reason)
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()

    # -- one snippet ----------------------------------------------------------------------

    async def _worker(self) -> None:
        """Render one snippet: the one to do next (:meth:`_next`) once a slot is free."""
        runner, job_id = self.runner, self.manifest.job_id
        await self.control.wait_running()
        async with self._renders, runner._slots:
            await self.control.wait_running()
            if self.stopped is not None:
                return
            changed = input_watch.change(self.src.local_path, self.identity)
            if changed is not None:
                self._stop(changed)
                return
            record = self._next()
            if record is None:
                return
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
                    threads=self.threads,
                    on_progress=lambda f: self._on_render_progress(record.index, f),
                    group=self.control.group,
                    timeout=self.timeout(record),
                )
            except (FrameFanError, OSError) as exc:
                record.status = PENDING
                reason = self._stop_reason(exc)
                if reason is not None:
                    self.tracker.update(record.index, 0.0)
                    self._stop(reason)
                    return
                message = os_message(self.job_dir, exc) if isinstance(exc, OSError) else str(exc)
                record.status, record.error = FAILED, message
                self.tracker.drop(record.index)
                self.writer.save_soon()
                runner._emit(SnippetFailed(job_id, record.index, message))
                self._progress(force=True)
                return
        changed = input_watch.change(self.src.local_path, self.identity)
        if changed is not None:  # its outputs may mix two versions: not listed, redone
            record.status = PENDING
            self._stop(changed)
            return
        record.status, record.gif, record.seconds = DONE, output.gif, round(output.seconds, 3)
        if record.end > record.start:
            self._speeds.append(output.seconds / (record.end - record.start))
        self.tracker.update(record.index, 1.0)
        self.writer.save_soon()
        settings = self.manifest.settings
        frames = tuple(
            FrameRecord(frame_time(n, settings), frame_relpath(n))
            for n in frame_indices(record.start, record.end, settings)
        )
        runner._emit(SnippetFinished(job_id, record.index, output.gif, frames, output.seconds))
        self._progress(force=True)

    def _next(self) -> SnippetRecord | None:
        """The pending snippet to render next: the one at the time the user looks at (or
        the next pending one after it), else the first pending one. With a choice (another
        renderer shares the job), the first of those it lets this run claim."""
        pending = [r for r in self.todo if r.status == PENDING]
        focus = self.control.focus
        if focus is not None:
            ahead = [r for r in pending if r.end > focus]
            pending = ahead + [r for r in pending if r.end <= focus]
        if self.choice is None:
            return pending[0] if pending else None
        for record in pending:
            if record.index in self._refused:
                continue
            if self.choice.claim(record.index):
                return record
            self._refused.add(record.index)  # the other renderer's, for good
        return None

    def timeout(self, record: SnippetRecord) -> float:
        return render_timeout(record.end - record.start, self._speeds)

    def _stop_reason(self, exc: BaseException) -> str | None:
        """Why a failed render stops the whole job (None: it fails alone)."""
        changed = input_watch.change(self.src.local_path, self.identity)
        if changed is not None:
            return changed
        if space.is_out_of_space(exc):
            return self._space_message()
        if isinstance(exc, RenderError):
            # ffmpeg's last line need not be the one saying the disk is full: look.
            free = space.free_bytes(self.job_dir)
            needed = space.outputs_bytes(self.info, self.manifest.settings, [(0.0, 1.0)])
            if free is not None and free < needed:
                return self._space_message()
        return None

    # -- disk space -----------------------------------------------------------------------

    def _needed(self) -> int:
        """Bytes the unfinished snippets' outputs and the manifest will take."""
        unfinished = [(s.start, s.end) for s in self.manifest.snippets if s.status != DONE]
        settings = self.manifest.settings
        stills = len(frame_indices(0.0, self.manifest.source.duration or 0.0, settings))
        manifest = space.manifest_bytes(len(self.manifest.snippets), stills)
        return space.outputs_bytes(self.info, settings, unfinished) + manifest

    def _space_message(self) -> str:
        return space.not_enough(self.job_dir, space.free_bytes(self.job_dir), self._needed())

    def _check_space(self) -> None:
        """Refuse to start what cannot fit; set the manifest's write aside."""
        if not self.todo:
            return
        needed, free = self._needed(), space.free_bytes(self.job_dir)
        if free is not None and free < needed:
            self.stopped = space.not_enough(self.job_dir, free, needed)
            return
        settings = self.manifest.settings
        stills = len(frame_indices(0.0, self.manifest.source.duration or 0.0, settings))
        try:
            job_folder.output_dir(self.job_dir, WORK_DIR)
        except (OSError, FrameFanError):
            return
        self._reserve.take(space.manifest_bytes(len(self.manifest.snippets), stills))

    # -- the manifest ---------------------------------------------------------------------

    def _save_now(self) -> Path:
        try:
            return self.writer.save()
        except OSError as exc:
            self._write_failed(exc)
            return self.writer.path

    def _write_failed(self, exc: OSError) -> None:
        if space.is_out_of_space(exc):
            self._stop(self._space_message())
        else:  # the outputs are on disk; only the record is stale: say so, keep going
            log.error("%s", os_message(self.job_dir, exc))

    def _save_final(self) -> Path:
        """The last write, which must land: on a full disk, with the space set aside and
        the scratch space given back first."""
        for attempt in range(2):
            try:
                return self.writer.save()
            except OSError as exc:
                if attempt or not space.is_out_of_space(exc):
                    log.error("cannot record the job's state: %s", os_message(self.job_dir, exc))
                    break
                job_folder.clear(self.job_dir / WORK_DIR)
        return self.writer.path

    # -- progress -------------------------------------------------------------------------

    def _progress(self, force: bool = False) -> None:
        now = asyncio.get_running_loop().time()
        if not force and now - self._last_progress < PROGRESS_INTERVAL:
            return
        self._last_progress = now
        counts = self.manifest.counts()
        total = len(self.manifest.snippets)
        fraction, eta = self.tracker.fraction, self.tracker.eta
        self.runner._emit(
            JobProgress(self.manifest.job_id, fraction, counts[DONE], counts[FAILED], total, eta)
        )

    def _on_render_progress(self, index: int, fraction: float) -> None:
        self.tracker.update(index, fraction)
        self._progress()


def render_timeout(length: float, speeds: list[float]) -> float:
    """Seconds one render of a snippet of ``length`` seconds may take, given the measured
    ``speeds`` of earlier renders (render seconds per second of video)."""
    first = FIRST_TIMEOUT + FIRST_TIMEOUT_PER_SECOND * length
    if not speeds:
        return first
    return min(first, max(TIMEOUT_FLOOR, TIMEOUT_MARGIN * max(speeds) * length))


def os_message(job_dir: Path, exc: OSError) -> str:
    if space.is_out_of_space(exc):
        return f"the disk is full: no space left to write in {job_dir}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write in {job_dir}: permission denied (choose another output folder)"
    return f"cannot write in {job_dir}: {exc.strerror or exc}"
