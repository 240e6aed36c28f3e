"""The Lambda backend, with the shape of :class:`core.runner.LocalRunner`.

``run_job(source, job_dir)`` probes the video locally (a bad file is rejected before any
upload), uploads it under ``uploads/<job-id>/`` with its settings as metadata (resuming an
interrupted upload), then follows the completion records and downloads every finished
snippet into ``job_dir``: the same folder layout, manifest (``backend: "lambda"``) and
events as the local backend, plus :class:`~core.events.UploadProgress` while uploading.

Running a job again resumes it: its cloud job id is derived from the input, its version and
the settings, so a finished upload is not sent again, snippets already downloaded are kept,
and snippets that failed (or were cancelled) are retried through a ``retry`` control object.
Cancelling the task writes the run's cancel marker, records the job as cancelled and
re-raises the cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..batch import JobOutcome, run_batch
from ..errors import FrameFanError
from ..events import (
    EventCallback,
    JobEvent,
    JobFinished,
    JobStarted,
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
    Manifest,
    SnippetRecord,
    SourceInfo,
)
from ..plan import frame_indices
from ..probe import probe
from ..runner import JobControl, local_file
from ..settings import Settings
from .aws import CloudError, explain
from .follow import Follower, Polling
from .keys import CANCEL, RETRY, cloud_job_id, control_key, new_run_id, upload_key
from .metadata import to_metadata
from .records import DONE as RECORD_DONE
from .stack import CloudSession, CloudTarget, connect
from .store import ResultsStore
from .upload import UploadStopped, upload_file

log = logging.getLogger(__name__)

BACKEND = "lambda"
STATE_NAME = ".cloud.json"  # in the job folder: which cloud job and run it follows


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
        job = _CloudJob(self, src, job_dir)
        try:
            return await job.run()
        except FrameFanError as exc:
            return job.fail(str(exc))
        except OSError as exc:
            return job.fail(f"{src.name}: {exc.strerror or exc}")

    # -- internals --------------------------------------------------------------------------

    def _emit(self, event: JobEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

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

    def __init__(self, runner: LambdaRunner, src: Source, job_dir: Path) -> None:
        self.runner = runner
        self.src = src
        self.job_dir = job_dir
        self.job_id = job_dir.name
        self.manifest: Manifest | None = None
        self.cloud_job = ""
        self.run_id = ""
        self.session: CloudSession | None = None

    async def run(self) -> Manifest:
        runner = self.runner
        if self.src.local_path is None:
            raise CloudError(f"{self.src.name}: only local files can be sent to AWS")
        info = await probe(self.src, ffmpeg=runner.ffmpeg)
        self.job_dir.mkdir(parents=True, exist_ok=True)  # only for an input that was accepted
        stat = self.src.local_path.stat()
        fingerprint = f"{stat.st_size}-{stat.st_mtime_ns}"
        self.cloud_job = cloud_job_id(self.job_id, fingerprint, runner.settings)
        source = SourceInfo.from_media(self.src.name, info, None, local_file(self.src))
        self.manifest = self._local_manifest(source)
        path = self.save()
        total, done = len(self.manifest.snippets), self.manifest.counts()[DONE]
        runner._emit(JobStarted(self.job_id, self.manifest.source, path, total, done))
        try:
            self.session = await runner._connect()
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
        """Upload (or resume) when the cloud has no job yet, or start a retry run for the
        snippets that are not done; returns the source object's ETag."""
        session = self._session()
        store = ResultsStore(session.s3, session.resources.results_bucket)
        remote = await asyncio.to_thread(store.manifest, self.cloud_job)
        state = self._state()
        if remote is None or not remote.source.fingerprint:
            if not (state.get("etag") and state.get("run")):
                return await self._upload()
            if not state.get("cancelled"):
                self.run_id = state["run"]  # uploaded; the snippets function is at work
                return str(state["etag"])
            return await self._start_retry(str(state["etag"]))
        etag = remote.source.fingerprint
        if remote.status == FAILED:
            self.run_id = state.get("run") or ""
            return etag
        records = await asyncio.to_thread(store.records, self.cloud_job)
        done = {i for i, r in records.items() if r.status == RECORD_DONE and r.fingerprint == etag}
        previous_run = state.get("run")
        still_running = (
            previous_run
            and not state.get("cancelled")
            and any(
                s.index not in done
                and (records.get(s.index) is None or records[s.index].run != previous_run)
                for s in remote.snippets
            )
        )
        if len(done) == len(remote.snippets) or still_running:
            self.run_id = str(previous_run or "")
            return etag
        return await self._start_retry(etag)

    async def _start_retry(self, etag: str) -> str:
        self.run_id = new_run_id()
        await self._put_control(RETRY)
        self._save_state(etag=etag, run=self.run_id, cancelled=False)
        return etag

    async def _upload(self) -> str:
        runner, session = self.runner, self._session()
        assert self.src.local_path is not None
        # A resumed multipart upload keeps the metadata it was created with: keep its run id.
        self.run_id = self._state().get("run") or new_run_id()
        self._save_state(run=self.run_id, etag=None, cancelled=False)
        key = upload_key(self.cloud_job, self.src.name)
        loop = asyncio.get_running_loop()
        stop = threading.Event()

        def on_progress(sent: int, total: int) -> None:  # once per part (8 MiB or more)
            loop.call_soon_threadsafe(runner._emit, UploadProgress(self.job_id, sent, total))

        async with runner._upload_slots:
            work = asyncio.ensure_future(
                asyncio.to_thread(
                    upload_file,
                    session.s3,
                    session.resources.uploads_bucket,
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
        self._save_state(etag=result.etag, run=self.run_id, cancelled=False)
        return result.etag

    async def _wait_for_manifest(self, etag: str) -> Manifest:
        session, polling = self._session(), self.runner.polling
        store = ResultsStore(session.s3, session.resources.results_bucket)
        loop = asyncio.get_running_loop()
        began, delay = loop.time(), polling.first
        while True:
            remote = await asyncio.to_thread(store.manifest, self.cloud_job)
            if remote is not None and (
                remote.status == FAILED or remote.source.fingerprint == etag
            ):
                return remote
            if loop.time() - began > polling.stall:
                raise CloudError(
                    f"{self.src.name}: the cloud did not start processing within "
                    f"{polling.stall / 60:.0f} min (see the snippets function's logs)"
                )
            await asyncio.sleep(delay)
            delay = min(polling.longest, delay * polling.factor)

    # -- following ----------------------------------------------------------------------------

    async def _follow(self, remote: Manifest, etag: str) -> Manifest:
        runner = self.runner
        assert self.manifest is not None
        if remote.status == FAILED:
            error = remote.error or f"{self.src.name}: rejected by the cloud"
            return self.fail(error, rejected=True)
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
            runner.polling,
        )
        follower.reset_pending()
        follower.save()
        for snippet in follower.unsettled():
            runner._emit(SnippetStarted(self.job_id, snippet.index))
        follower.progress()
        await follower.follow()
        local.status = local.settled_status()
        path = self.save()
        runner._emit(JobFinished(self.job_id, local.status, local.error, path))
        return local

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
        if self.job_dir.is_dir():  # a refused input gets no folder
            with contextlib.suppress(OSError):
                path = self.save()
        self.runner._emit(JobFinished(self.job_id, FAILED, error, path))
        return manifest

    def save(self) -> Path:
        assert self.manifest is not None
        self.manifest.refresh_frames()
        return self.manifest.save(self.job_dir)

    def _session(self) -> CloudSession:
        assert self.session is not None
        return self.session

    def _state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.job_dir / STATE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
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
