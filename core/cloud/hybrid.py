"""The hybrid backend: one job split between this machine and AWS.

The cloud side sends the video as segments from its start (:mod:`.segment_upload`), each
rendered as it arrives; this machine renders snippets from the end with the local
backend's workers (:class:`core.runner.LocalRunner`, told which snippets it may take). Each
side skips what the other has finished or taken:

* the uploader asks before cutting each segment, and skips a snippet done (by either side)
  or being rendered here;
* a local worker, when free, takes the last snippet that is neither done nor rendering
  here: where the two sides meet, one whose segment is still uploading (the upload is
  dropped), then one the cloud is rendering (the first result is kept), and one the cloud
  failed;
* whichever finishes a snippet first wins; the other's result is not used.

So no local worker waits while a snippet is unfinished, and the upload never sends what is
done here: the job ends no later than the faster of the two alone would (within one
snippet's render). When the upload fails, this machine renders the
rest; when the cloud cannot be used at all (no credentials, no stack, over a limit), the
whole job runs here. Local renders go to a scratch job folder (``.hybrid/``) and are moved
into the job folder as they finish; the manifest says ``backend: "hybrid"`` and, per
snippet, which side rendered it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..batch import JobOutcome, run_batch
from ..events import EventCallback, JobEvent, JobFinished, SnippetFailed, SnippetFinished
from ..input_safety import Source
from ..limits import Limits
from ..manifest import DONE, FAILED, Manifest
from ..runner import JobControl, LocalRunner, SnippetChoice, default_workers
from ..settings import Settings
from .follow import HYBRID, Follower, Polling
from .runner import CloudJobView, LambdaRunner
from .segments import AUTO
from .stack import CloudTarget

log = logging.getLogger(__name__)

LOCAL, CLOUD = "local", "lambda"
SCRATCH = ".hybrid"
_RECHECK = 1.0  # seconds between looks for work when nothing changed


@dataclass
class HybridRunner:
    settings: Settings
    target: CloudTarget
    workers: int = field(default_factory=default_workers)
    ffmpeg: str | None = None
    on_event: EventCallback | None = None
    polling: Polling = field(default_factory=Polling)
    upload_limit_mbps: float | None = None
    upload: str = AUTO
    limits: Limits = field(default_factory=Limits)  # this machine's (core.limits)
    overview: bool = True  # the overview pass, made here while the segments upload

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
        part = LocalPart(self.settings, self.workers, self.ffmpeg, control)

        def relay(event: JobEvent) -> None:
            # A cloud job that fails before this machine took part is done here instead.
            if isinstance(event, JobFinished) and event.status == FAILED and not part.started:
                return
            if self.on_event is not None:
                self.on_event(event)

        cloud = LambdaRunner(
            self.settings,
            self.target,
            ffmpeg=self.ffmpeg,
            on_event=relay,
            polling=self.polling,
            upload=self.upload,
            upload_limit_mbps=self.upload_limit_mbps,
            partner=part,
            backend=HYBRID,
            overview=self.overview,
            limits=self.limits,
        )
        manifest = await cloud.run_job(source, job_dir)
        if manifest.status != FAILED or part.started:
            return manifest
        log.warning(
            "%s: the cloud cannot take it (%s); rendering it here", job_dir.name, manifest.error
        )
        local = LocalRunner(
            self.settings,
            workers=self.workers,
            ffmpeg=self.ffmpeg,
            on_event=self.on_event,
            limits=self.limits,
            overview=self.overview,
        )
        return await local.run_job(source, job_dir, control=control)


class LocalPart:
    """The snippets this machine renders in a hybrid job (a :class:`.runner.Partner`)."""

    def __init__(
        self, settings: Settings, workers: int, ffmpeg: str | None, control: JobControl | None
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.ffmpeg = ffmpeg
        self.control = control
        self.started = False
        self.rendering: set[int] = set()
        self.failed_here: set[int] = set()
        self._activity = 0.0
        self._job: CloudJobView | None = None
        self._follower: Follower | None = None

    # -- what the cloud side asks ------------------------------------------------------------

    def may_upload(self, index: int) -> bool:
        return index not in self.rendering

    def last_activity(self) -> float:
        return self._activity

    # -- rendering ---------------------------------------------------------------------------

    async def run(self, job: CloudJobView, follower: Follower) -> None:
        self.started = True
        self._job, self._follower = job, follower
        if job.src is None or job.src.local_path is None:
            return  # a video in S3: nothing here to render it from
        scratch = job.job_dir / SCRATCH
        runner = LocalRunner(  # the overview is the cloud side's (see LambdaRunner.overview)
            self.settings,
            workers=self.workers,
            ffmpeg=self.ffmpeg,
            on_event=self._on_event,
            overview=False,
        )
        try:
            while follower.unsettled():
                wanted = [
                    s.index for s in reversed(follower.manifest.snippets) if self._wants(s.index)
                ]
                if not wanted:
                    follower.changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(follower.changed.wait(), _RECHECK)
                    continue
                choice = SnippetChoice(order=wanted, claim=self._claim)
                await runner.run_job(job.src, scratch, control=self.control, choice=choice)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _wants(self, index: int) -> bool:
        assert self._follower is not None
        snippet = self._follower.manifest.snippets[index]
        return not (snippet.status == DONE or index in self.rendering or index in self.failed_here)

    def _claim(self, index: int) -> bool:
        if not self._wants(index):
            return False
        assert self._job is not None
        self.rendering.add(index)
        self._activity = time.monotonic()
        if self._job.uploader is not None:
            self._job.uploader.drop(index)
        return True

    def _on_event(self, event: JobEvent) -> None:
        follower, job = self._follower, self._job
        assert follower is not None and job is not None
        if isinstance(event, SnippetFinished):
            self.rendering.discard(event.index)
            self._activity = time.monotonic()
            snippet = follower.manifest.snippets[event.index]
            if snippet.status == DONE:
                return  # the cloud was first
            _move_outputs(job.job_dir / SCRATCH, job.job_dir, event)
            follower.done(snippet, event.gif, event.seconds, LOCAL)
        elif isinstance(event, SnippetFailed):
            self.rendering.discard(event.index)
            self.failed_here.add(event.index)
            snippet = follower.manifest.snippets[event.index]
            if snippet.status != DONE:
                follower.fail(snippet, event.error)


def _move_outputs(scratch: Path, job_dir: Path, event: SnippetFinished) -> None:
    """Move a snippet's GIF and stills from the scratch job into the job folder."""
    for relpath in (event.gif, *(frame.path for frame in event.frames)):
        target = job_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(scratch / relpath, target)
