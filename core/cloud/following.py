"""Following a started cloud job to its end: the completion records in (:mod:`.follow`),
the segments up (:mod:`.segment_upload`) and a partner's renders here (:mod:`.hybrid`), all
at once, until every snippet is settled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from ..estimate.network import record_upload
from ..events import JobFinished, JobStarted, SnippetStarted, UploadProgress
from ..layout import WORK_DIR
from ..manifest import DONE, FAILED, PENDING, Manifest
from .follow import Follower
from .runs import INPUT, LIMIT
from .segment_upload import SegmentUpload, SegmentUploader
from .segments import SEGMENTS
from .store import ResultsStore

if TYPE_CHECKING:
    from .cloud_job import CloudJob

log = logging.getLogger(__name__)


async def follow(job: CloudJob, remote: Manifest, etag: str) -> Manifest:
    runner = job.runner
    assert job.manifest is not None
    if remote.status == FAILED:
        error = remote.error or f"{job.name}: rejected by the cloud"
        record = job.run_record
        final = record is None or record.kind in (INPUT, LIMIT)
        return job.fail(error, rejected=final)
    local = job.manifest
    if not local.snippets or [(s.start, s.end) for s in remote.snippets] != [
        (s.start, s.end) for s in local.snippets
    ]:
        # The cloud's probe is the one the outputs follow.
        local.snippets = remote.snippets
        for snippet in local.snippets:
            snippet.status, snippet.gif, snippet.error = PENDING, None, None
        local.source = replace(remote.source, path=local.source.path)
        path = job.save()
        runner._emit(JobStarted(job.job_id, local.source, path, len(local.snippets), 0))
    # The cloud's probe describes the input; only the desktop knows where it lives.
    local.source = replace(remote.source, path=local.source.path)
    session = job.connected()
    store = ResultsStore(session.s3, session.resources.results_bucket)
    follower = Follower(
        store,
        job.cloud_job,
        job.run_id,
        etag,
        local,
        job.job_dir,
        runner._emit,
        replace(runner.polling, stall=runner.stall()),
        activity=lambda: _activity(job),
        focus=(lambda: job.control.focus) if job.control is not None else None,
        writer=job.writer_for(local),
    )
    follower.reset_pending()
    follower.save()
    for snippet in follower.unsettled():
        runner._emit(SnippetStarted(job.job_id, snippet.index))
    follower.progress()
    if job.choice.mode == SEGMENTS:
        await follower.poll()  # what the cloud has done already is not sent again
        job.uploader = _uploader(job, follower, etag)
    await _work(job, follower)
    if follower.gave_up:
        job.state.save(gave_up=job.run_id)  # a rerun retries, not follows, this run
    await job.wind_down()
    local.status = local.settled_status()
    path = job.save()
    runner._emit(JobFinished(job.job_id, local.status, local.error, path))
    return local


async def _work(job: CloudJob, follower: Follower) -> None:
    """Follow the cloud until every snippet is settled, while the segments upload and
    the partner renders; a failed upload ends the job, unless a partner can go on."""
    partner = job.runner.partner
    following = asyncio.ensure_future(follower.follow())
    helpers: list[asyncio.Future[None]] = []
    upload = None
    if job.uploader is not None:
        upload = asyncio.ensure_future(_upload_segments(job, job.uploader))
        helpers.append(upload)
    if partner is not None:
        helpers.append(asyncio.ensure_future(partner.run(job, follower)))
    try:
        waiting: set[asyncio.Future[None]] = {following, *helpers}
        while not following.done():
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is following or task.cancelled() or task.exception() is None:
                    continue
                if task is upload and partner is not None:
                    log.warning("%s: %s; rendering the rest here", job.name, task.exception())
                    continue
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in (following, *helpers):
            task.cancel()
        await asyncio.gather(following, *helpers, return_exceptions=True)


def _uploader(job: CloudJob, follower: Follower, etag: str) -> SegmentUploader:
    runner, session = job.runner, job.connected()
    assert job.src is not None and job.info is not None
    loop = asyncio.get_running_loop()
    local = follower.manifest
    partner = runner.partner

    def may_take(index: int) -> bool:
        if local.snippets[index].status in (DONE, FAILED):
            return False
        return partner is None or partner.may_upload(index)

    def uploaded(index: int) -> None:
        job.state.save(segments=sorted(upload.uploaded))

    def failed(index: int, error: str) -> None:
        follower.fail(local.snippets[index], error)

    def progress(sent: int, total: int) -> None:
        loop.call_soon_threadsafe(runner._emit, UploadProgress(job.job_id, sent, total))

    upload = SegmentUpload(
        source=job.src,
        info=job.info,
        snippets=local.snippets,
        s3=session.s3,
        bucket=session.resources.uploads_bucket,
        cloud_job=job.cloud_job,
        plan_etag=etag,
        run=job.run_id,
        extension=job.choice.extension,
        work=job.job_dir / WORK_DIR / "segments",
        uploaded=job.state.uploaded_segments(etag),
        may_take=may_take,
        on_uploaded=uploaded,
        on_failed=failed,
        on_progress=progress,
        limit=runner.limit,
        ffmpeg=runner.ffmpeg,
        profile=runner.target.profile,
    )
    return SegmentUploader(upload)


async def _upload_segments(job: CloudJob, uploader: SegmentUploader) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    await uploader.run()
    # All sent: what was sent is the total (the start's total was an estimate).
    job.runner._emit(UploadProgress(job.job_id, uploader.sent_bytes, uploader.sent_bytes))
    record_upload(uploader.sent_bytes, loop.time() - began, job.runner.upload_limit_mbps)


def _activity(job: CloudJob) -> float:
    """When this machine last worked for the job (uploading, rendering), by the loop's
    clock."""
    times = [0.0]
    if job.uploader is not None:
        times.append(job.uploader.last_activity)
    if job.runner.partner is not None:
        times.append(job.runner.partner.last_activity())
    return max(times)


# -- ending -------------------------------------------------------------------------------
