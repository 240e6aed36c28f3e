"""Starting a cloud job's run, or finding it again: send the video (or its plan) if the
cloud has none, follow the job's live run, or ask for a retry of what is not done.

The decision (:func:`decide`) reads the job's run record (:mod:`.runs`) and what the job
folder remembers (:mod:`.job_state`): a run given up or cancelled here is retried, a live
run is followed (whoever started it), an expired upload is sent again.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from ..manifest import FAILED, Manifest
from .aws import CloudError, explain
from .jobplan import JobPlan
from .keys import RETRY, new_run_id, plan_key
from .metadata import to_metadata
from .records import DONE as RECORD_DONE
from .runs import EXPIRED, IGNORED, STARTED, JobRecords, RunRecord, is_live
from .segments import WHOLE
from .whole_upload import upload_whole

if TYPE_CHECKING:
    from .cloud_job import CloudJob

log = logging.getLogger(__name__)

# What the desktop does about the job's current run.
_FOLLOW, _RETRY, _UPLOAD = "follow", "retry", "upload"


async def ensure_started(job: CloudJob) -> str:
    """Send the video (or its plan) when the cloud has no job yet, follow the job's
    live run, or start a retry run for the snippets that are not done; returns the
    ETag of what was sent (the results' fingerprint)."""
    store = job.store()
    kind = job.choice.mode
    if job.state.read().get("upload", WHOLE) != kind:
        # Sent another way before (or never): this way is a new upload.
        job.state.save(upload=kind, etag=None, run=None, segments=[], gave_up=None)
    for _ in range(3):  # an expired upload is sent again, once
        state = job.state.read()
        if not (state.get("etag") and state.get("run")):
            await send(job)
            continue
        etag = str(state["etag"])
        current, _ = await asyncio.to_thread(store.current_run, job.cloud_job)
        records = JobRecords()
        if current is not None and current.status == STARTED:
            records = await asyncio.to_thread(store.job_records, job.cloud_job)
        action, run = decide(state, current, records, store.now(), job.runner.stall(), etag)
        if action == _RETRY:
            action, run = await start_retry(job, etag)
        if action == _UPLOAD:
            log.info("%s: the cloud no longer has the upload; sending it again", job.name)
            job.state.save(etag=None, run=None, segments=[], gave_up=None, cancelled=False)
            continue
        job.run_id = run
        if run != state.get("run"):
            job.state.save(run=run, cancelled=False, gave_up=None)
        return etag
    raise CloudError(f"{job.name}: the cloud kept losing the upload; try again later")


def decide(
    state: dict[str, Any],
    current: RunRecord | None,
    records: JobRecords,
    now: float,
    stall: float,
    etag: str = "",
) -> tuple[str, str]:
    """What to do about the job's ``current`` run, given what this folder remembers
    (``state``) and the job's completion ``records``: FOLLOW a run, RETRY, or UPLOAD again."""
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
    if not mine and not abandoned and etag and current.fingerprint not in ("", etag):
        return _FOLLOW, ours  # a run of what was sent before: ours has not been taken yet
    cancelled = mine and bool(state.get("cancelled"))
    if is_live(current, records, now, stall, cancelled=cancelled) and not (mine and abandoned):
        return _FOLLOW, current.run
    done = [
        i
        for i in range(current.snippets)
        if (r := records.records.get(i)) is not None
        and r.status == RECORD_DONE
        and r.fingerprint == current.fingerprint
    ]
    if current.sent is not None and len(done) == current.snippets:
        return _FOLLOW, current.run  # finished: following downloads what is missing
    return _RETRY, ""


async def start_retry(job: CloudJob, etag: str) -> tuple[str, str]:
    """Send a retry request and wait for the cloud's answer: the new run, or the live
    run it gave way to, or word that the upload is gone."""
    run = new_run_id()
    job.run_id = run
    await job.put_control(RETRY)
    job.state.save(etag=etag, run=run, cancelled=False, gave_up=None)
    store, polling = job.store(), job.runner.polling
    loop = asyncio.get_running_loop()
    began, delay = loop.time(), polling.first
    while loop.time() - began <= job.runner.stall():
        current, _ = await asyncio.to_thread(store.current_run, job.cloud_job)
        if current is not None and current.run == run:
            return (_UPLOAD, "") if current.kind == EXPIRED else (_FOLLOW, run)
        outcome = await asyncio.to_thread(store.run_outcome, job.cloud_job, run)
        if outcome is not None and outcome.status == IGNORED and outcome.live_run:
            log.info("%s: the cloud is still on run %s", job.name, outcome.live_run)
            return _FOLLOW, outcome.live_run
        await asyncio.sleep(delay)
        delay = min(polling.longest, delay * polling.factor)
    raise CloudError(
        f"{job.name}: the cloud did not take the retry within "
        f"{job.runner.stall() / 60:.0f} min (see the snippets function's logs)"
    )


async def send(job: CloudJob) -> str:
    if job.plan is not None:
        return await put_plan(job, job.plan)
    assert job.src is not None
    job.run_id, etag = await upload_whole(job)
    return etag


async def put_plan(job: CloudJob, plan: JobPlan) -> str:
    """Upload the job's plan (small, in one request) under a new run."""
    runner, session = job.runner, job.connected()
    job.run_id = new_run_id()
    job.state.save(run=job.run_id, etag=None, segments=[], cancelled=False, gave_up=None)
    body = plan.to_json()
    digest = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    try:
        answer = await asyncio.to_thread(
            session.s3.put_object,
            Bucket=session.resources.uploads_bucket,
            Key=plan_key(job.cloud_job),
            Body=body,
            ContentMD5=digest,
            ContentType="application/json",
            Metadata=to_metadata(runner.settings, job.run_id),
        )
    except Exception as exc:
        raise explain(exc, f"sending the plan of {job.name}", runner.target.profile) from None
    etag = str(answer.get("ETag", "")).strip('"')
    job.state.save(etag=etag, run=job.run_id, cancelled=False)
    return etag


async def wait_for_manifest(job: CloudJob, etag: str) -> Manifest:
    """The job's manifest once the followed run has planned its snippets (or failed)."""
    store, polling = job.store(), job.runner.polling
    loop = asyncio.get_running_loop()
    began, delay = loop.time(), polling.first
    while True:
        current, _ = await asyncio.to_thread(store.current_run, job.cloud_job)
        if (
            current is not None
            and current.run == job.run_id
            and (current.status != STARTED or current.sent is not None)
        ):
            remote = await asyncio.to_thread(store.manifest, job.cloud_job)
            if remote is not None and (
                remote.status == FAILED or remote.source.fingerprint == etag
            ):
                job.run_record = current
                return remote
        outcome = await asyncio.to_thread(store.run_outcome, job.cloud_job, job.run_id)
        if outcome is not None and outcome.status == IGNORED and outcome.live_run:
            raise CloudError(
                f"{job.name}: the cloud is still busy with another run of this job "
                f"({outcome.live_run}); run again once it has ended"
            )
        if loop.time() - began > job.runner.stall():
            job.state.save(gave_up=job.run_id)
            raise CloudError(
                f"{job.name}: the cloud did not start processing within "
                f"{job.runner.stall() / 60:.0f} min (see the snippets function's logs); "
                "run again to retry"
            )
        await asyncio.sleep(delay)
        delay = min(polling.longest, delay * polling.factor)


# -- following ----------------------------------------------------------------------------
