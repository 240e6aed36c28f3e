"""The Lambda backend, with the shape of :class:`core.runner.LocalRunner`.

``run_job(source, job_dir)`` probes the video locally (a bad file is rejected before any
upload), uploads it under ``uploads/<job-id>/`` with its settings as metadata (resuming an
interrupted upload), then follows the completion records and downloads every finished
snippet into ``job_dir``: the same folder layout, manifest (``backend: "lambda"``) and
events as the local backend, plus :class:`~core.events.UploadProgress` while uploading.

Before uploading, the job is checked against the stack's per-job limits (its ``JobLimits``
output; the snippets function checks them again), with the same message.

Running a job again resumes it: its cloud job id is derived from the input, its version and
the settings, so a finished upload is not sent again, snippets already downloaded are kept,
and snippets that failed (or were cancelled, or never answered) are retried through a
``retry`` control object, unless the job's current run is still live (:mod:`.runs`), which
is then followed instead. An upload the cloud has expired is sent again. Cancelling the
task writes the run's cancel marker, records the job as cancelled and re-raises the
cancellation.

While the video uploads, its overview (:mod:`core.overview`) is made here, as for a local
job; and the part the user looks at (:meth:`core.runner.JobControl.look_at`) is downloaded
first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import job_folder
from ..atomic import write_atomic
from ..batch import JobOutcome, refused_outcome, run_batch
from ..errors import FrameFanError
from ..estimate.network import record_upload
from ..events import (
    EventCallback,
    JobEvent,
    JobFinished,
    JobStarted,
    OverviewAdded,
    SnippetStarted,
    UploadProgress,
)
from ..input_safety import Source, as_source
from ..layout import MANIFEST_NAME, frame_relpath
from ..manifest import (
    CANCELLED,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    FrameRecord,
    Manifest,
    SnippetRecord,
    SourceInfo,
)
from ..manifest_writer import ManifestWriter
from ..overview import OverviewPass
from ..plan import frame_indices
from ..probe import probe
from ..runner import JobControl, local_file
from ..safe_read import read_job_file
from ..settings import Settings
from .aws import CloudError, explain
from .follow import Follower, Polling
from .keys import CANCEL, RETRY, cloud_job_id, control_key, new_run_id, upload_key
from .limits import CloudLimits
from .metadata import to_metadata
from .records import DONE as RECORD_DONE
from .runs import (
    DEFAULT_STALL,
    EXPIRED,
    IGNORED,
    INPUT,
    LIMIT,
    STARTED,
    JobRecords,
    RunRecord,
    is_live,
)
from .stack import CloudSession, CloudTarget, connect
from .store import ResultsStore
from .upload import UploadStopped, abort_unfinished, upload_file

log = logging.getLogger(__name__)

BACKEND = "lambda"
STATE_NAME = ".cloud.json"  # in the job folder: which cloud job and run it follows
# What the desktop does about the job's current run.
_FOLLOW, _RETRY, _UPLOAD = "follow", "retry", "upload"


@dataclass
class LambdaRunner:
    settings: Settings
    target: CloudTarget
    ffmpeg: str | None = None
    on_event: EventCallback | None = None
    polling: Polling = field(default_factory=Polling)
    uploads: int = 2  # videos uploaded at once
    upload_threads: int = 4  # parts of one video sent at once
    part_size: int | None = None  # default: from the file size (upload.part_size_for)
    overview: bool = True  # make the overview pass while uploading (core.overview)

    def __post_init__(self) -> None:
        self._upload_slots = asyncio.Semaphore(max(1, self.uploads))
        self._session: CloudSession | None = None
        self._session_lock = asyncio.Lock()

    # -- public API (as LocalRunner) -------------------------------------------------------

    async def run_batch(
        self, inputs: Sequence[str | os.PathLike[str]], out_root: Path
    ) -> list[JobOutcome]:
        return await run_batch(self.run_job, inputs, out_root)

    async def run_job(
        self,
        source: str | os.PathLike[str] | Source,
        job_dir: Path,
        *,
        control: JobControl | None = None,
    ) -> Manifest:
        """Process one input on AWS into ``job_dir``; never raises for a bad input or a
        cloud failure (the manifest says what happened)."""
        src = source if isinstance(source, Source) else as_source(source)
        try:
            held = job_folder.lock(job_dir)  # one writer per job folder, as locally
        except (job_folder.JobFolderError, OSError) as exc:
            return refused_outcome(self._emit, job_dir, src.name, self.settings, exc, BACKEND)
        job = _CloudJob(self, src, job_dir, fresh=held.created, control=control)
        with held:
            try:
                job_folder.check_outputs(job_dir)  # downloads never go through a link
                return await job.run()
            except FrameFanError as exc:
                return job.fail(str(exc))
            except OSError as exc:
                return job.fail(f"{src.name}: {exc.strerror or exc}")
            finally:
                await job.end_overview()
                if not job.recorded:  # refused before any work: no job folder
                    held.discard_folder()

    # -- internals --------------------------------------------------------------------------

    def _emit(self, event: JobEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def stall(self) -> float:
        """Seconds without news after which a run is given up: as given, or the stack's
        ``RunStallSeconds`` and a minute (so the cloud agrees the run is over)."""
        if self.polling.stall is not None:
            return self.polling.stall
        configured = self._session.resources.setting("RunStallSeconds") if self._session else None
        return (configured or DEFAULT_STALL) + 60.0

    async def _connect(self) -> CloudSession:
        async with self._session_lock:
            if self._session is None:
                try:
                    self._session = await asyncio.to_thread(connect, self.target)
                except Exception as exc:
                    raise explain(exc, "connecting to AWS", self.target.profile) from None
            return self._session


class _CloudJob:
    """One run of one input."""

    def __init__(
        self,
        runner: LambdaRunner,
        src: Source,
        job_dir: Path,
        fresh: bool,
        control: JobControl | None = None,
    ) -> None:
        self.runner = runner
        self.control = control
        self._overview: asyncio.Task[bool] | None = None
        self._overview_writer: ManifestWriter | None = None
        self.src = src
        self.job_dir = job_dir
        self.fresh = fresh  # the job folder was made for this run
        self.recorded = not fresh  # a manifest is (or was) in the folder
        self.job_id = job_dir.name
        self.manifest: Manifest | None = None
        self.cloud_job = ""
        self.run_id = ""
        self.session: CloudSession | None = None
        self.run_record: RunRecord | None = None

    async def run(self) -> Manifest:
        runner = self.runner
        if self.src.local_path is None:
            raise CloudError(f"{self.src.name}: only local files can be sent to AWS")
        info = await probe(self.src, ffmpeg=runner.ffmpeg)
        stat = self.src.local_path.stat()
        fingerprint = f"{stat.st_size}-{stat.st_mtime_ns}"
        self.cloud_job = cloud_job_id(self.job_id, fingerprint, runner.settings)
        source = SourceInfo.from_media(self.src.name, info, None, local_file(self.src))
        self.manifest = self._local_manifest(source)
        path = self.save()
        total, done = len(self.manifest.snippets), self.manifest.counts()[DONE]
        runner._emit(JobStarted(self.job_id, self.manifest.source, path, total, done))
        if runner.overview and done < total:
            self._start_overview(info)
        try:
            self.session = await runner._connect()
            limits = CloudLimits.from_output(self.session.resources.job_limits)
            over = limits.check(self.src.name, info, runner.settings) if limits else None
            if over:
                return self.fail(f"{self.src.name}: {over}", rejected=True)
            etag = await self._ensure_started()
            remote = await self._wait_for_manifest(etag)
            return await self._follow(remote, etag)
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel())
            raise

    def _local_manifest(self, source: SourceInfo) -> Manifest:
        planned = Manifest.planned(self.job_id, source, self.runner.settings, backend=BACKEND)
        state = self._state()
        previous = _load(self.job_dir)
        if (
            previous is not None
            and state.get("cloud_job") == self.cloud_job
            and [(s.start, s.end) for s in previous.snippets]
            == [(s.start, s.end) for s in planned.snippets]
        ):
            for old, new in zip(previous.snippets, planned.snippets, strict=True):
                if old.status == DONE and _outputs_present(old, planned.settings, self.job_dir):
                    new.status, new.gif, new.seconds = DONE, old.gif, old.seconds
            planned.source.fingerprint = previous.source.fingerprint
        planned.status = RUNNING
        return planned

    # -- starting the cloud side ------------------------------------------------------------

    async def _ensure_started(self) -> str:
        """Upload (or resume) when the cloud has no job yet, follow the job's live run, or
        start a retry run for the snippets that are not done; returns the source's ETag."""
        store = self._store()
        for _ in range(3):  # an expired upload is sent again, once
            state = self._state()
            if not (state.get("etag") and state.get("run")):
                await self._upload()
                continue
            etag = str(state["etag"])
            current, _ = await asyncio.to_thread(store.current_run, self.cloud_job)
            job = JobRecords()
            if current is not None and current.status == STARTED:
                job = await asyncio.to_thread(store.job_records, self.cloud_job)
            action, run = self._decide(state, current, job, store.now())
            if action == _RETRY:
                action, run = await self._start_retry(etag)
            if action == _UPLOAD:
                log.info("%s: the cloud no longer has the upload; sending it again", self.src.name)
                self._save_state(etag=None, run=None, gave_up=None, cancelled=False)
                continue
            self.run_id = run
            if run != state.get("run"):
                self._save_state(run=run, cancelled=False, gave_up=None)
            return etag
        raise CloudError(f"{self.src.name}: the cloud kept losing the upload; try again later")

    def _decide(
        self, state: dict[str, Any], current: RunRecord | None, job: JobRecords, now: float
    ) -> tuple[str, str]:
        ours = str(state.get("run") or "")
        abandoned = bool(state.get("cancelled")) or state.get("gave_up") == ours
        if current is None:
            # Uploaded, and the snippets function has not taken it yet (or never will).
            return (_RETRY, "") if abandoned else (_FOLLOW, ours)
        if current.status != STARTED:
            if current.run != ours and not abandoned:
                return _FOLLOW, ours  # our upload or retry came after that failure
            if current.kind == EXPIRED:
                return _UPLOAD, ""
            if current.retryable:
                return _RETRY, ""
            return _FOLLOW, current.run  # a refused input or a limit: shown as it is
        mine = current.run == ours
        stall = self.runner.stall()
        cancelled = mine and bool(state.get("cancelled"))
        if is_live(current, job, now, stall, cancelled=cancelled) and not (mine and abandoned):
            return _FOLLOW, current.run
        done = [
            i
            for i in range(current.snippets)
            if (r := job.records.get(i)) is not None
            and r.status == RECORD_DONE
            and r.fingerprint == current.fingerprint
        ]
        if current.sent is not None and len(done) == current.snippets:
            return _FOLLOW, current.run  # finished: following downloads what is missing
        return _RETRY, ""

    async def _start_retry(self, etag: str) -> tuple[str, str]:
        """Send a retry request and wait for the cloud's answer: the new run, or the live
        run it gave way to, or word that the upload is gone."""
        run = new_run_id()
        self.run_id = run
        await self._put_control(RETRY)
        self._save_state(etag=etag, run=run, cancelled=False, gave_up=None)
        store, polling = self._store(), self.runner.polling
        loop = asyncio.get_running_loop()
        began, delay = loop.time(), polling.first
        while loop.time() - began <= self.runner.stall():
            current, _ = await asyncio.to_thread(store.current_run, self.cloud_job)
            if current is not None and current.run == run:
                return (_UPLOAD, "") if current.kind == EXPIRED else (_FOLLOW, run)
            outcome = await asyncio.to_thread(store.run_outcome, self.cloud_job, run)
            if outcome is not None and outcome.status == IGNORED and outcome.live_run:
                log.info("%s: the cloud is still on run %s", self.src.name, outcome.live_run)
                return _FOLLOW, outcome.live_run
            await asyncio.sleep(delay)
            delay = min(polling.longest, delay * polling.factor)
        raise CloudError(
            f"{self.src.name}: the cloud did not take the retry within "
            f"{self.runner.stall() / 60:.0f} min (see the snippets function's logs)"
        )

    async def _upload(self) -> str:
        runner, session = self.runner, self._session()
        assert self.src.local_path is not None
        key = upload_key(self.cloud_job, self.src.name)
        bucket = session.resources.uploads_bucket
        # A resumed multipart upload keeps the metadata it was created with: keep its run
        # id. Without one, an unfinished upload belongs to a run this folder no longer
        # knows: start it again rather than complete it under a run nobody follows.
        known = self._state().get("run")
        if not known:
            try:
                aborted = await asyncio.to_thread(abort_unfinished, session.s3, bucket, key)
            except Exception as exc:
                raise explain(exc, f"uploading {self.src.name}", runner.target.profile) from None
            if aborted:
                log.info("%s: restarting an upload of an unknown run", self.src.name)
        self.run_id = known or new_run_id()
        self._save_state(run=self.run_id, etag=None, cancelled=False, gave_up=None)
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        timing: dict[str, float] = {}

        def on_progress(sent: int, total: int) -> None:  # once per part (8 MiB or more)
            if "start" not in timing:
                timing.update(start=time.monotonic(), resumed=sent)
            loop.call_soon_threadsafe(runner._emit, UploadProgress(self.job_id, sent, total))

        async with runner._upload_slots:
            work = asyncio.ensure_future(
                asyncio.to_thread(
                    upload_file,
                    session.s3,
                    bucket,
                    key,
                    self.src.local_path,
                    to_metadata(runner.settings, self.run_id),
                    on_progress=on_progress,
                    stop=stop,
                    part_size=runner.part_size,
                    threads=runner.upload_threads,
                )
            )
            try:
                result = await asyncio.shield(work)
            except asyncio.CancelledError:
                stop.set()  # the parts under way finish; the upload stays resumable
                await asyncio.wait({work})
                if not work.cancelled() and work.exception() is None:
                    # Finished all the same: remember it, so the cancel reaches the cloud.
                    self._save_state(etag=work.result().etag)
                raise
            except UploadStopped:
                raise asyncio.CancelledError() from None
            except Exception as exc:
                raise explain(exc, f"uploading {self.src.name}", runner.target.profile) from None
        if "start" in timing:
            size = self.src.local_path.stat().st_size
            record_upload(int(size - timing["resumed"]), time.monotonic() - timing["start"])
        self._save_state(etag=result.etag, run=self.run_id, cancelled=False)
        return result.etag

    async def _wait_for_manifest(self, etag: str) -> Manifest:
        """The job's manifest once the followed run has planned its snippets (or failed)."""
        store, polling = self._store(), self.runner.polling
        loop = asyncio.get_running_loop()
        began, delay = loop.time(), polling.first
        while True:
            current, _ = await asyncio.to_thread(store.current_run, self.cloud_job)
            if (
                current is not None
                and current.run == self.run_id
                and (current.status != STARTED or current.sent is not None)
            ):
                remote = await asyncio.to_thread(store.manifest, self.cloud_job)
                if remote is not None and (
                    remote.status == FAILED or remote.source.fingerprint == etag
                ):
                    self.run_record = current
                    return remote
            if loop.time() - began > self.runner.stall():
                self._save_state(gave_up=self.run_id)
                raise CloudError(
                    f"{self.src.name}: the cloud did not start processing within "
                    f"{self.runner.stall() / 60:.0f} min (see the snippets function's logs); "
                    "run again to retry"
                )
            await asyncio.sleep(delay)
            delay = min(polling.longest, delay * polling.factor)

    # -- following ----------------------------------------------------------------------------

    async def _follow(self, remote: Manifest, etag: str) -> Manifest:
        runner = self.runner
        assert self.manifest is not None
        if remote.status == FAILED:
            error = remote.error or f"{self.src.name}: rejected by the cloud"
            record = self.run_record
            final = record is None or record.kind in (INPUT, LIMIT)
            return self.fail(error, rejected=final)
        local = self.manifest
        if [(s.start, s.end) for s in remote.snippets] != [
            (s.start, s.end) for s in local.snippets
        ]:
            # The cloud's probe is the one the outputs follow.
            local.snippets = remote.snippets
            for snippet in local.snippets:
                snippet.status, snippet.gif, snippet.error = PENDING, None, None
            path = self.save()
            runner._emit(JobStarted(self.job_id, local.source, path, len(local.snippets), 0))
        # The cloud's probe describes the input; only the desktop knows where it lives.
        local.source = replace(remote.source, path=local.source.path)
        session = self._session()
        store = ResultsStore(session.s3, session.resources.results_bucket)
        follower = Follower(
            store,
            self.cloud_job,
            self.run_id,
            etag,
            local,
            self.job_dir,
            runner._emit,
            replace(runner.polling, stall=runner.stall()),
            focus=(lambda: self.control.focus) if self.control is not None else None,
        )
        follower.reset_pending()
        follower.save()
        for snippet in follower.unsettled():
            runner._emit(SnippetStarted(self.job_id, snippet.index))
        follower.progress()
        await follower.follow()
        if follower.gave_up:
            self._save_state(gave_up=self.run_id)  # a rerun retries, not follows, this run
        await self.end_overview()
        local.status = local.settled_status()
        path = self.save()
        runner._emit(JobFinished(self.job_id, local.status, local.error, path))
        return local

    # -- the overview, made here while the video uploads -------------------------------------

    def _start_overview(self, info: Any) -> None:
        manifest = self.manifest
        assert manifest is not None
        self._overview_writer = ManifestWriter(
            manifest, self.job_dir, lambda exc: log.warning("%s: %s", self.src.name, exc)
        )

        def listed(pictures: list[FrameRecord]) -> None:
            if self.manifest is not manifest:  # the job failed: its pictures are not listed
                return
            manifest.add_overview(pictures)
            if self._overview_writer is not None:
                self._overview_writer.save_soon()
            self.runner._emit(OverviewAdded(self.job_id, tuple(pictures)))

        sweep = OverviewPass(self.src, info, self.job_dir, listed, ffmpeg=self.runner.ffmpeg)
        self._overview = asyncio.ensure_future(sweep.run())

    async def end_overview(self) -> None:
        """Stop the overview pass if it still runs (its pictures so far stay listed)."""
        task, self._overview = self._overview, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._overview_writer is not None:
            self._overview_writer.close()
            self._overview_writer = None

    # -- ending -------------------------------------------------------------------------------

    async def _cancel(self) -> None:
        if self.session is not None and self.run_id and self._state().get("etag"):
            try:
                await asyncio.wait_for(self._put_control(CANCEL), 15)
                self._save_state(cancelled=True)
            except (TimeoutError, FrameFanError, Exception) as exc:
                log.warning("could not record the cancel in the cloud: %s", exc)
        if self.manifest is not None:
            for snippet in self.manifest.snippets:
                if snippet.status == RUNNING:
                    snippet.status = PENDING
            self.manifest.status = CANCELLED
            with contextlib.suppress(OSError):
                path = self.save()
                self.runner._emit(JobFinished(self.job_id, CANCELLED, None, path))

    async def _put_control(self, action: str) -> None:
        session = self._session()
        key = control_key(self.cloud_job, action, self.run_id)
        try:
            await asyncio.to_thread(
                session.s3.put_object, Bucket=session.resources.uploads_bucket, Key=key, Body=b""
            )
        except Exception as exc:
            raise explain(
                exc, f"sending the {action} request", self.runner.target.profile
            ) from None

    def fail(self, error: str, *, rejected: bool = False) -> Manifest:
        """Record the job as failed: a rejected input keeps no snippets (as locally); a
        cloud failure keeps the snippets already downloaded."""
        if not error.startswith(f"{self.src.name}: "):
            error = f"{self.src.name}: {error}"
        if self.manifest is None or rejected:
            manifest = Manifest.rejected(self.job_id, self.src.name, self.runner.settings, error)
            manifest.backend = BACKEND
        else:
            manifest = self.manifest
            manifest.error = error
        manifest.status = FAILED
        self.manifest = manifest
        path = self.job_dir / MANIFEST_NAME
        if self.recorded:  # an input refused before any work gets no folder
            with contextlib.suppress(OSError):
                path = self.save()
        self.runner._emit(JobFinished(self.job_id, FAILED, error, path))
        return manifest

    def save(self) -> Path:
        assert self.manifest is not None
        self.manifest.refresh_frames()
        self.recorded = True
        return self.manifest.save(self.job_dir)

    def _session(self) -> CloudSession:
        assert self.session is not None
        return self.session

    def _store(self) -> ResultsStore:
        session = self._session()
        return ResultsStore(session.s3, session.resources.results_bucket)

    def _state(self) -> dict[str, Any]:
        try:  # a file of the job folder: a regular one, of bounded size (core.safe_read)
            path = self.job_dir / STATE_NAME
            data = json.loads(read_job_file(path, within=self.job_dir, limit=1 << 20))
        except (OSError, ValueError, FrameFanError):
            return {}
        if not isinstance(data, dict) or data.get("cloud_job") != self.cloud_job:
            return {}
        return data

    def _save_state(self, **changes: Any) -> None:
        state = {**self._state(), "cloud_job": self.cloud_job, **changes}
        state.setdefault("stack", self.runner.target.stack)
        write_atomic(self.job_dir / STATE_NAME, json.dumps(state, indent=1).encode("utf-8"))


def _outputs_present(record: SnippetRecord, settings: Settings, job_dir: Path) -> bool:
    if not record.gif or not (job_dir / record.gif).is_file():
        return False
    frames = frame_indices(record.start, record.end, settings)
    return all((job_dir / frame_relpath(n)).is_file() for n in frames)


def _load(job_dir: Path) -> Manifest | None:
    try:
        return Manifest.load(job_dir)
    except FrameFanError:
        return None
