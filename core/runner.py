"""The local backend: render a job's snippets in parallel with ffmpeg, and batches of jobs.

Snippets of all jobs share one pool of worker slots (one ffmpeg process each, the CPU count
by default), taken in order, so a batch finishes job after job while a job with few snippets
does not leave cores idle. Finished snippets are recorded in the manifest (see
:mod:`core.manifest_writer`), which is what makes a re-run resume: snippets recorded done,
with their files present, are skipped.

A run holds its job folder's lock from start to end (:mod:`core.job_folder`): a second
FrameFan on the same folder fails at once instead of deleting the first one's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import input_watch, job_folder
from .batch import JobOutcome, refused_outcome, run_batch
from .errors import FrameFanError, InputRejectedError
from .events import EventCallback, JobEvent, JobFinished
from .ffmpeg_process import ProcessGroup
from .input_safety import Source, as_source
from .input_watch import InputIdentity
from .job_folder import JobFolderError
from .job_run import JobRun, os_message
from .layout import MANIFEST_NAME, OUTPUT_DIRS, WORK_DIR, frame_relpath
from .limits import Limits, check_plan
from .manifest import DONE, FAILED, PENDING, Manifest, SnippetRecord, SourceInfo
from .plan import frame_indices
from .probe import MediaInfo, probe_early
from .progress import ProgressTracker
from .settings import Settings

log = logging.getLogger(__name__)

BAD_SUFFIX = ".bad"  # an unreadable manifest is kept beside the new one: manifest.json.bad


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class JobControl:
    """Pause, resume and where to render first, for one running job (cancel by cancelling
    its task)."""

    def __init__(self) -> None:
        self.group = ProcessGroup()
        self._running = asyncio.Event()
        self._running.set()
        self._listeners: list[ProgressTracker] = []
        self.focus: float | None = None  # seconds into the video the user looks at

    def look_at(self, t: float | None) -> None:
        """The user looks at ``t`` seconds into the video: render the part there next, and
        go on from there (None: render in order). Local jobs render it next; cloud jobs
        download it first."""
        self.focus = t if t is None or t >= 0 else 0.0

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
    limits: Limits = field(default_factory=Limits)
    # Bytes of memory the renders of a job may share; None: what the system has available
    # when the job starts (see core.resources).
    memory: int | None = None
    # Each job starts with the overview pass (core.overview): coarse pictures of the whole
    # video within seconds, shown until the fine stills replace them.
    overview: bool = True

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        self._slots = asyncio.Semaphore(self.workers)
        # Beside the renders, the jobs of a batch make their overviews and scan their files
        # one at a time (each is quick), in the batch's order.
        self._overviews = asyncio.Semaphore(1)
        self._scans = asyncio.Semaphore(1)

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
        A job folder another FrameFan is writing is left alone (the returned manifest says
        so; nothing is written). Cancelling the task stops every ffmpeg process of the job,
        records the job as cancelled and re-raises the cancellation. With ``choice``, only
        the snippets it claims are rendered, in its order.
        """
        control = control or JobControl()
        job_id = job_dir.name
        name = source.name if isinstance(source, Source) else _name(source)
        try:
            held = job_folder.lock(job_dir)
        except (JobFolderError, OSError) as exc:  # busy, or not ours to write in
            return refused_outcome(self._emit, job_dir, name, self.settings, exc)
        with held:
            control.group.inherit_fds = held.inheritable_fds
            try:
                src = source if isinstance(source, Source) else as_source(source)
                manifest, info, identity, scan_left = await self._prepare(
                    src, job_dir, job_id, control
                )
            except (FrameFanError, OSError) as exc:
                if isinstance(exc, OSError):
                    message = os_message(job_dir, exc)
                else:
                    message = _named(name, str(exc))
                # An input refused before any work gets no job folder.
                refused = self._fail(job_dir, job_id, name, message, record=not held.created)
                held.discard_folder()
                return refused
            run = JobRun(
                self,
                src,
                info,
                identity,
                job_dir,
                manifest,
                control,
                scan_left=scan_left,
                fresh=held.created,
                choice=choice,
            )
            result = await run.run()
            if run.discarded:
                held.discard_folder()
            return result

    # -- internals ------------------------------------------------------------------------

    def _emit(self, event: JobEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _fail(
        self, job_dir: Path, job_id: str, name: str, error: str, *, record: bool = True
    ) -> Manifest:
        """Record a job that could not run. What an earlier run produced stays listed (its
        manifest, marked failed with the reason); otherwise, with ``record``, the manifest
        of a rejected input is written."""
        previous = _load_previous(job_dir, keep_bad=False) if record else None
        if previous is not None and previous.snippets:
            manifest = previous
            manifest.status, manifest.error = FAILED, error
        else:
            manifest = Manifest.rejected(job_id, name, self.settings, error)
        path = job_dir / MANIFEST_NAME
        if record:
            with contextlib.suppress(OSError):
                path = manifest.save(job_dir)
        self._emit(JobFinished(job_id, FAILED, error, path))
        return manifest

    async def _prepare(
        self, src: Source, job_dir: Path, job_id: str, control: JobControl
    ) -> tuple[Manifest, MediaInfo, InputIdentity | None, bool]:
        """The job's manifest (resumed or new), what the input is, and whether the check for
        a truncated file is still to run (beside the work: see core.probe.probe_early)."""
        await control.wait_running()
        identity = InputIdentity.of(src.local_path) if src.local_path is not None else None
        async with self._slots:
            info, scan_left = await probe_early(src, ffmpeg=self.ffmpeg, limits=self.limits)
        changed = input_watch.change(src.local_path, identity)
        if changed is not None:
            raise InputRejectedError(src.name, changed)
        fingerprint = identity.fingerprint if identity is not None else None
        source = SourceInfo.from_media(src.name, info, fingerprint, local_file(src))
        job_folder.clear(job_dir / WORK_DIR)  # scratch of interrupted runs: none is ours
        previous = _load_previous(job_dir)
        if previous is not None and _same_job(previous, source, self.settings):
            job_folder.check_outputs(job_dir)
            _reconcile(previous, job_dir)
            previous.source.path = source.path  # where the input is now
            previous.source.timecode = source.timecode  # read by newer versions only
            return previous, info, identity, scan_left
        # A new plan: the limits apply (a job already under way keeps the plan it has).
        check_plan(src.name, info.duration, self.settings, self.limits)
        for name in OUTPUT_DIRS:  # outputs of other settings or another input
            job_folder.clear(job_dir / name)
        return Manifest.planned(job_id, source, self.settings), info, identity, scan_left


def local_file(src: Source) -> str | None:
    """The absolute path of a local input, as the manifest records it."""
    return str(src.local_path) if src.local_path is not None else None


def _name(source: str | os.PathLike[str]) -> str:
    text = os.fspath(source)
    return text if "://" in text else Path(text).name or text


def _named(name: str, message: str) -> str:
    """A job's error names its input."""
    return message if message.startswith(f"{name}: ") else f"{name}: {message}"


def _load_previous(job_dir: Path, *, keep_bad: bool = True) -> Manifest | None:
    """The job folder's manifest, or None. One that cannot be read is kept aside as
    ``manifest.json.bad`` (with ``keep_bad``), and the job starts over."""
    path = job_dir / MANIFEST_NAME
    if not os.path.lexists(path):
        return None
    try:
        return Manifest.load(path)
    except FrameFanError as exc:
        if keep_bad:
            aside = path.with_name(MANIFEST_NAME + BAD_SUFFIX)
            try:
                os.replace(path, aside)
                log.warning("%s; kept as %s, the job starts over", exc, aside.name)
            except OSError:
                log.warning("%s; the job starts over", exc)
        return None


def _same_job(previous: Manifest, source: SourceInfo, settings: Settings) -> bool:
    return (
        bool(previous.snippets)
        and previous.settings == settings
        and previous.source.fingerprint == source.fingerprint
        and previous.source.duration == source.duration
    )


def _reconcile(manifest: Manifest, job_dir: Path) -> None:
    """Keep as done only the snippets whose files are all still there, and the overview
    pictures that are."""
    for record in manifest.snippets:
        if record.status == DONE and _outputs_present(record, manifest.settings, job_dir):
            continue
        record.status, record.gif = PENDING, None
    manifest.overview = [p for p in manifest.overview if _is_file(job_dir / p.path)]


def _outputs_present(record: SnippetRecord, settings: Settings, job_dir: Path) -> bool:
    """Whether a done snippet's outputs are all there as regular files (a link in their
    place is not FrameFan's output)."""
    if not record.gif or not _is_file(job_dir / record.gif):
        return False
    indices: Iterable[int] = frame_indices(record.start, record.end, settings)
    return all(_is_file(job_dir / frame_relpath(n)) for n in indices)


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path, follow_symlinks=False).st_mode)
    except OSError:
        return False
