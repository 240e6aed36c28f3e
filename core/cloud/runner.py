"""The Lambda backend, with the shape of :class:`core.runner.LocalRunner`.

``run_job(source, job_dir)`` probes the video locally (a bad file is rejected before any
upload), sends it under ``uploads/<job-id>/`` with its settings as metadata, then follows
the completion records and downloads every finished snippet into ``job_dir``: the same
folder layout, manifest (``backend: "lambda"``) and events as the local backend, plus
:class:`~core.events.UploadPlanned` and :class:`~core.events.UploadProgress`.

The video goes as a whole file (a multipart upload that resumes), or as one segment per
snippet after a job plan (:mod:`.segments`, :mod:`.segment_upload`): each segment's render
starts as soon as it is in S3, while the next ones upload. ``upload`` chooses (``auto``:
segments when the video can be cut cleanly). A source ``s3://BUCKET/KEY`` is processed in
place, with no upload. ``upload_limit_mbps`` caps the upload rate. A ``partner``
(:mod:`.hybrid`) may render part of the job on this machine meanwhile.

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
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .. import job_folder
from ..batch import JobOutcome, refused_outcome, run_batch
from ..errors import FrameFanError
from ..events import EventCallback, JobEvent
from ..input_safety import Source, as_source
from ..limits import Limits
from ..manifest import Manifest
from ..runner import JobControl
from ..settings import Settings
from .aws import explain
from .cloud_job import CloudJob
from .follow import Follower, Polling
from .job_state import STATE_NAME
from .runs import DEFAULT_STALL
from .s3source import is_s3_uri, parse_s3_uri
from .segment_upload import SegmentUploader
from .segments import AUTO
from .stack import CloudSession, CloudTarget, connect
from .throttle import RateLimit

log = logging.getLogger(__name__)

BACKEND = "lambda"
__all__ = ["BACKEND", "STATE_NAME", "LambdaRunner", "Partner"]


class Partner(Protocol):
    """Renders part of a cloud job on this machine (the hybrid backend, :mod:`.hybrid`)."""

    def may_upload(self, index: int) -> bool:
        """Whether the cloud may still take snippet ``index`` (its segment is about to be
        cut and uploaded)."""
        ...

    def last_activity(self) -> float:
        """When it last did something (``time.monotonic()``)."""
        ...

    async def run(self, job: CloudJobView, follower: Follower) -> None:
        """Render snippets here until none is left for this machine."""
        ...


class CloudJobView(Protocol):
    """What a partner may see of a cloud job."""

    job_dir: Path
    src: Source | None
    uploader: SegmentUploader | None


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
    upload: str = AUTO  # whole, segments or auto (segments.UPLOAD_MODES)
    upload_limit_mbps: float | None = None
    partner: Partner | None = None
    backend: str = BACKEND  # what the manifest says rendered the job
    overview: bool = True  # make the overview pass while uploading (core.overview)
    # This machine's limits (core.limits) apply before anything is sent, as to a local job;
    # the stack's own caps apply again in the cloud.
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        self._upload_slots = asyncio.Semaphore(max(1, self.uploads))
        self._session: CloudSession | None = None
        self._session_lock = asyncio.Lock()
        self.limit = RateLimit(self.upload_limit_mbps) if self.upload_limit_mbps else None

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
        """Process one input (a local file, or ``s3://BUCKET/KEY``) on AWS into
        ``job_dir``; never raises for a bad input or a cloud failure (the manifest says
        what happened)."""
        try:
            if is_s3_uri(source):
                src, obj = None, parse_s3_uri(str(source))
            else:
                src, obj = (source if isinstance(source, Source) else as_source(source)), None
        except FrameFanError as exc:
            return CloudJob.refuse(self, job_dir, os.fspath(str(source)), str(exc))
        name = src.name if src is not None else obj.name if obj is not None else str(source)
        try:
            held = job_folder.lock(job_dir)  # one writer per job folder, as locally
        except (job_folder.JobFolderError, OSError) as exc:
            return refused_outcome(self._emit, job_dir, name, self.settings, exc, self.backend)
        job = CloudJob(self, src, job_dir, obj, fresh=held.created, control=control)
        with held:
            try:
                job_folder.check_outputs(job_dir)  # downloads never go through a link
                return await job.run()
            except FrameFanError as exc:
                return job.fail(str(exc))
            except OSError as exc:
                return job.fail(f"{job.name}: {exc.strerror or exc}")
            finally:
                await job.wind_down()
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
