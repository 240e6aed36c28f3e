"""Sending a job's video as one file: a multipart upload (:mod:`.upload`) that resumes, with
the settings and run id as its metadata, paced by the runner's upload limit."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING

from ..estimate.network import record_upload
from ..events import UploadProgress
from .aws import explain
from .keys import new_run_id, upload_key
from .metadata import to_metadata
from .throttle import UploadStopped
from .upload import abort_unfinished, upload_file

if TYPE_CHECKING:
    from .cloud_job import CloudJob

log = logging.getLogger(__name__)


async def upload_whole(job: CloudJob) -> tuple[str, str]:
    """Upload (or resume uploading) ``job``'s video; returns its run id and ETag."""
    runner, session, src = job.runner, job.connected(), job.src
    assert src is not None and src.local_path is not None
    key = upload_key(job.cloud_job, src.name)
    bucket = session.resources.uploads_bucket
    # A resumed multipart upload keeps the metadata it was created with: keep its run
    # id. Without one, an unfinished upload belongs to a run this folder no longer
    # knows: start it again rather than complete it under a run nobody follows.
    known = job.state.read().get("run")
    if not known:
        try:
            aborted = await asyncio.to_thread(abort_unfinished, session.s3, bucket, key)
        except Exception as exc:
            raise explain(exc, f"uploading {src.name}", runner.target.profile) from None
        if aborted:
            log.info("%s: restarting an upload of an unknown run", src.name)
    run = known or new_run_id()
    job.run_id = run
    job.state.save(run=run, etag=None, cancelled=False, gave_up=None)
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    timing: dict[str, float] = {}

    def on_progress(sent: int, total: int) -> None:  # once per part (8 MiB or more)
        if "start" not in timing:
            timing.update(start=time.monotonic(), resumed=sent)
        loop.call_soon_threadsafe(runner._emit, UploadProgress(job.job_id, sent, total))

    async with runner._upload_slots:
        work = asyncio.ensure_future(
            asyncio.to_thread(
                upload_file,
                session.s3,
                bucket,
                key,
                src.local_path,
                to_metadata(runner.settings, run),
                on_progress=on_progress,
                stop=stop,
                part_size=runner.part_size,
                threads=runner.upload_threads,
                limit=runner.limit,
            )
        )
        try:
            result = await asyncio.shield(work)
        except asyncio.CancelledError:
            stop.set()  # the parts under way finish; the upload stays resumable
            await asyncio.wait({work})
            if not work.cancelled() and work.exception() is None:
                # Finished all the same: remember it, so the cancel reaches the cloud.
                job.state.save(etag=work.result().etag)
            raise
        except UploadStopped:
            raise asyncio.CancelledError() from None
        except Exception as exc:
            raise explain(exc, f"uploading {src.name}", runner.target.profile) from None
    if "start" in timing:
        size = src.local_path.stat().st_size
        seconds = time.monotonic() - timing["start"]
        record_upload(int(size - timing["resumed"]), seconds, runner.upload_limit_mbps)
    job.state.save(etag=result.etag, run=run, cancelled=False)
    return run, result.etag
