"""One input's run on the Lambda backend: probe it, choose how to send it, start or find
its cloud run (:mod:`.starting`), follow it (:mod:`.following`), and record how it ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FrameFanError
from ..events import JobFinished, JobStarted, OverviewAdded, UploadPlanned
from ..input_safety import Source
from ..layout import MANIFEST_NAME, WORK_DIR, frame_relpath
from ..limits import check_plan
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
from ..probe import MediaInfo, probe
from ..runner import JobControl, local_file
from ..settings import Settings
from .aws import CloudError, explain
from .following import follow
from .job_state import JobState
from .jobplan import S3, SEGMENTS, JobPlan
from .keys import CANCEL, cloud_job_id, control_key
from .limits import CloudLimits
from .runs import RunRecord
from .s3source import S3Object
from .segment_upload import SegmentUploader
from .segments import WHOLE, UploadChoice, choose_upload
from .stack import CloudSession
from .starting import ensure_started, wait_for_manifest
from .store import ResultsStore

if TYPE_CHECKING:
    from .runner import LambdaRunner

log = logging.getLogger(__name__)

IN_PLACE = "s3"  # how a video already in S3 is "sent": by a plan naming it


class CloudJob:
    """One run of one input."""

    def __init__(
        self,
        runner: LambdaRunner,
        src: Source | None,
        job_dir: Path,
        obj: S3Object | None = None,
        *,
        fresh: bool = True,
        control: JobControl | None = None,
    ) -> None:
        self.runner = runner
        self.control = control
        self.recorded = not fresh  # a manifest is (or was) in the folder: not made for this run
        self._overview: asyncio.Task[bool] | None = None
        self._writer: ManifestWriter | None = None  # of the job's manifest, while it runs
        self.src = src
        self.obj = obj
        self.name = src.name if src is not None else obj.name if obj is not None else "video"
        self.job_dir = job_dir
        self.job_id = job_dir.name
        self.manifest: Manifest | None = None
        self.cloud_job = ""
        self.run_id = ""
        self.session: CloudSession | None = None
        self.run_record: RunRecord | None = None
        self.info: MediaInfo | None = None
        self.choice = UploadChoice(WHOLE, "")
        self.plan: JobPlan | None = None
        self.uploader: SegmentUploader | None = None
        self.state = JobState(job_dir, "", runner.target.stack)

    @staticmethod
    def refuse(runner: LambdaRunner, job_dir: Path, name: str, error: str) -> Manifest:
        """An input refused before any work: failed, and no job folder (as locally)."""
        manifest = Manifest.rejected(job_dir.name, name, runner.settings, error)
        manifest.backend = runner.backend
        runner._emit(JobFinished(job_dir.name, FAILED, error, job_dir / MANIFEST_NAME))
        return manifest

    async def run(self) -> Manifest:
        try:
            if self.src is None:
                etag = await self._start_in_place()
            else:
                prepared = await self._prepare_local()
                if prepared is not None:
                    return prepared
                etag = await ensure_started(self)
            remote = await wait_for_manifest(self, etag)
            return await follow(self, remote, etag)
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel())
            raise
        finally:
            with contextlib.suppress(OSError):  # scratch space, once nothing uses it
                (self.job_dir / WORK_DIR).rmdir()

    async def _prepare_local(self) -> Manifest | None:
        """Probe, plan and check the local video, and choose how to send it; a manifest
        when the job ends here (refused by a limit)."""
        runner, src = self.runner, self.src
        assert src is not None
        if src.local_path is None:
            raise CloudError(f"{src.name}: only local files and s3:// objects can be sent to AWS")
        info = self.info = await probe(src, ffmpeg=runner.ffmpeg, limits=runner.limits)
        check_plan(src.name, info.duration, runner.settings, runner.limits)
        stat = src.local_path.stat()
        fingerprint = f"{stat.st_size}-{stat.st_mtime_ns}"
        self._set_cloud_job(cloud_job_id(self.job_id, fingerprint, runner.settings))
        source = SourceInfo.from_media(src.name, info, None, local_file(src))
        self.manifest = self._local_manifest(source)
        path = self.save()
        total, done = len(self.manifest.snippets), self.manifest.counts()[DONE]
        runner._emit(JobStarted(self.job_id, self.manifest.source, path, total, done))
        if runner.overview and done < total:
            self._start_overview(info)
        self.session = await runner._connect()
        limits = CloudLimits.from_output(self.session.resources.job_limits)
        over = limits.check(src.name, info, runner.settings) if limits else None
        if over:
            return self.fail(f"{src.name}: {over}", rejected=True)
        work = self.job_dir / WORK_DIR / "trial"
        try:
            self.choice = await choose_upload(
                src, info, runner.settings, runner.upload, work, ffmpeg=runner.ffmpeg
            )
        finally:
            with contextlib.suppress(OSError):
                work.rmdir()
        if self.choice.mode == SEGMENTS:
            self.plan = JobPlan(SEGMENTS, src.name, media=info)
        runner._emit(UploadPlanned(self.job_id, self.choice.mode, self.choice.reason))
        return None

    async def _start_in_place(self) -> str:
        """A video already in S3: check it can be read, and send a plan naming it."""
        runner, obj = self.runner, self.obj
        assert obj is not None
        self.session = session = await runner._connect()
        try:
            head = await asyncio.to_thread(session.s3.head_object, Bucket=obj.bucket, Key=obj.key)
        except Exception as exc:
            raise explain(exc, f"reading {obj.uri}", runner.target.profile) from None
        etag = str(head.get("ETag", "")).strip('"')
        self._set_cloud_job(cloud_job_id(self.job_id, etag, runner.settings))
        sources = session.resources.source_buckets
        if obj.bucket not in sources:
            allowed = ", ".join(sources) or "none"
            raise CloudError(
                f"{obj.uri}: bucket {obj.bucket!r} is not one of the stack's source buckets "
                f"({allowed}); add it to the stack parameter SourceBuckets"
            )
        # The same cloud job (this object's version, these settings): keep what is done.
        previous = _load(self.job_dir) if self.state.read() else None
        if previous is not None and previous.snippets and previous.settings == runner.settings:
            self.manifest = previous
            for snippet in previous.snippets:
                if snippet.status == DONE and not _outputs_present(
                    snippet, previous.settings, self.job_dir
                ):
                    snippet.status, snippet.gif = PENDING, None
        else:
            self.manifest = Manifest(
                self.job_id, SourceInfo(name=obj.name), runner.settings, backend=runner.backend
            )
        self.manifest.status = RUNNING
        path = self.save()
        total, done = len(self.manifest.snippets), self.manifest.counts()[DONE]
        runner._emit(JobStarted(self.job_id, self.manifest.source, path, total, done))
        self.choice = UploadChoice(IN_PLACE, f"already in S3 at {obj.uri}: nothing to upload")
        self.plan = JobPlan(S3, obj.name, bucket=obj.bucket, key=obj.key, etag=etag)
        runner._emit(UploadPlanned(self.job_id, "none", self.choice.reason))
        return await ensure_started(self)

    def _set_cloud_job(self, cloud_job: str) -> None:
        self.cloud_job = cloud_job
        self.state = JobState(self.job_dir, cloud_job, self.runner.target.stack)

    def _local_manifest(self, source: SourceInfo) -> Manifest:
        runner = self.runner
        planned = Manifest.planned(self.job_id, source, runner.settings, backend=runner.backend)
        previous = _load(self.job_dir)
        if (
            previous is not None
            and self.state.read()
            and [(s.start, s.end) for s in previous.snippets]
            == [(s.start, s.end) for s in planned.snippets]
        ):
            for old, new in zip(previous.snippets, planned.snippets, strict=True):
                if old.status == DONE and _outputs_present(old, planned.settings, self.job_dir):
                    new.status, new.gif, new.seconds = DONE, old.gif, old.seconds
                    new.backend = old.backend
            planned.source.fingerprint = previous.source.fingerprint
        planned.status = RUNNING
        return planned

    # -- starting the cloud side ------------------------------------------------------------

    async def _cancel(self) -> None:
        if self.session is not None and self.run_id and self.state.read().get("etag"):
            try:
                await asyncio.wait_for(self.put_control(CANCEL), 15)
                self.state.save(cancelled=True)
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

    async def put_control(self, action: str) -> None:
        session = self.connected()
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
        if not error.startswith(f"{self.name}: ") and not error.startswith("s3://"):
            error = f"{self.name}: {error}"
        if self.manifest is None or rejected:
            manifest = Manifest.rejected(self.job_id, self.name, self.runner.settings, error)
            manifest.backend = self.runner.backend
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

    # -- the overview, made here while the video uploads -------------------------------------

    def _start_overview(self, info: MediaInfo) -> None:
        manifest, src = self.manifest, self.src
        assert manifest is not None and src is not None
        writer = self.writer_for(manifest)

        def listed(pictures: list[FrameRecord]) -> None:
            if self.manifest is not manifest:  # the job failed: its pictures are not listed
                return
            manifest.add_overview(pictures)
            writer.save_soon()
            self.runner._emit(OverviewAdded(self.job_id, tuple(pictures)))

        sweep = OverviewPass(src, info, self.job_dir, listed, ffmpeg=self.runner.ffmpeg)
        self._overview = asyncio.ensure_future(sweep.run())

    def writer_for(self, manifest: Manifest) -> ManifestWriter:
        """The one writer of ``manifest`` while the job runs (core.manifest_writer: often
        enough to resume from, rarely enough that long jobs cost little)."""
        if self._writer is None or self._writer.manifest is not manifest:
            if self._writer is not None:
                self._writer.close()
            self._writer = ManifestWriter(
                manifest, self.job_dir, lambda exc: log.warning("%s: %s", self.name, exc)
            )
        return self._writer

    async def wind_down(self) -> None:
        """Stop the overview pass if it still runs (its pictures so far stay listed) and
        drop the manifest's deferred write: the caller writes the final state."""
        task, self._overview = self._overview, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def connected(self) -> CloudSession:
        assert self.session is not None
        return self.session

    def store(self) -> ResultsStore:
        session = self.connected()
        return ResultsStore(session.s3, session.resources.results_bucket)


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
