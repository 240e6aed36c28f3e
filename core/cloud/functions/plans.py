"""Jobs that start from a plan (:mod:`..jobplan`): a video sent as segments, or one already
in a source bucket.

* A plan of **segments** is checked against the stack's limits as a whole job, from the
  desktop's probe, before any segment is taken; it gets its manifest and a run that is
  ``streaming``. Each segment (``segments/NNNNN.mov``) then starts its own snippet's
  render, once it passes the same checks as an uploaded video (file name, first bytes,
  probe with the demuxer forced to MOV) and matches the plan: its snippet is in the plan,
  it has the plan's codec, picture size and rotation, and it covers its snippet. A segment
  of another plan is ignored; one that arrives before its plan was taken is tried again
  later (raised: Lambda retries it). A retry run takes the segments already uploaded.
* A plan of an **S3 object** names a video in one of the stack's ``SourceBuckets`` with its
  ETag: the object must still have that ETag (only someone who can read the object knows
  it), then it is probed and fanned out like an uploaded video, read in place.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import botocore.exceptions

from ...errors import InputRejectedError
from ...input_safety import sniff_problem
from ...manifest import Manifest
from ...probe import MediaInfo
from ...settings import Settings
from ..jobplan import S3, JobPlan, PlanError
from ..keys import (
    PLAN_NAME,
    SEGMENT,
    UploadKey,
    parse_upload_key,
    plan_key,
    record_key,
    segments_prefix,
)
from ..metadata import PLAN_KEY
from ..records import DONE, FAILED, SnippetResult
from ..runs import INPUT, LIMIT, STARTED, RunRecord
from ..store import ResultsStore, is_missing
from ..tasks import SnippetTask
from .environment import FunctionEnv, client
from .fanout import put_all
from .jobs import (
    SNIFF_BYTES,
    claim_upload,
    done_snippets,
    expired,
    fan_out,
    probe_object,
    reject,
    write_manifest,
)

log = logging.getLogger("framefan")

SEGMENT_DEMUXER = "mov"
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide")


class PlanPending(RuntimeError):
    """A segment arrived before its plan was taken: Lambda tries it again later."""


async def start_plan(
    env: FunctionEnv, parsed: UploadKey, key: str, retry_run: str | None, timeout: float
) -> dict[str, Any]:
    s3 = client("s3")
    store = ResultsStore(s3, env.results_bucket)
    job_id = parsed.job_id
    try:
        head = s3.head_object(Bucket=env.uploads_bucket, Key=key)
        body = s3.get_object(Bucket=env.uploads_bucket, Key=key)["Body"].read(64 * 1024 + 1)
    except botocore.exceptions.ClientError as exc:
        if not is_missing(exc):
            raise
        return expired(env, job_id, "", retry_run)
    fingerprint = str(head["ETag"]).strip('"')
    try:
        plan = JobPlan.from_json(body)
    except PlanError as exc:
        return reject(store, job_id, "video", Settings(), retry_run or "upload", str(exc), INPUT)
    name = plan.name
    started = claim_upload(env, store, job_id, name, head, retry_run)
    if isinstance(started, dict):
        return started
    settings, claimed = started
    run = claimed.run
    if plan.kind == S3:
        return await _start_in_place(env, store, job_id, claimed, plan, settings, timeout)
    assert plan.media is not None
    over = env.limits.check(name, plan.media, settings)
    if over:
        return reject(store, job_id, name, settings, run, f"{name}: {over}", LIMIT)
    manifest = write_manifest(store, job_id, name, plan.media, settings, fingerprint)
    store.put_run(
        job_id,
        claimed.with_changes(
            snippets=len(manifest.snippets), sent=(), streaming=True, updated=time.time()
        ),
    )
    log.info("job %s run %s: %d snippets, as segments", job_id, run, len(manifest.snippets))
    # Segments already here (a retry; or segments that came before the plan was taken).
    taken = 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=env.uploads_bucket, Prefix=segments_prefix(job_id)):
        for item in page.get("Contents") or []:
            segment = parse_upload_key(item["Key"])
            if segment.kind == SEGMENT:
                result = await take_segment(env, segment, item["Key"], timeout)
                taken += bool(result.get("sent"))
    return {"job_id": job_id, "run": run, "snippets": len(manifest.snippets), "sent": taken}


async def _start_in_place(
    env: FunctionEnv,
    store: ResultsStore,
    job_id: str,
    claimed: RunRecord,
    plan: JobPlan,
    settings: Settings,
    timeout: float,
) -> dict[str, Any]:
    name, run = plan.name, claimed.run
    if plan.bucket not in env.source_buckets:
        error = (
            f"{name}: bucket {plan.bucket!r} is not one of the stack's source buckets "
            "(stack parameter SourceBuckets)"
        )
        return reject(store, job_id, name, settings, run, error, INPUT)
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=plan.bucket, Key=plan.key)
    except botocore.exceptions.ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if not is_missing(exc) and code not in ("403", "AccessDenied", "Forbidden"):
            raise
        error = f"{name}: s3://{plan.bucket}/{plan.key} is not there, or the stack cannot read it"
        return reject(store, job_id, name, settings, run, error, INPUT)
    if str(head["ETag"]).strip('"') != plan.etag:
        error = (
            f"{name}: s3://{plan.bucket}/{plan.key} has changed since it was chosen (its ETag "
            "differs); run again to process the new version"
        )
        return reject(store, job_id, name, settings, run, error, INPUT)
    try:
        info = await probe_object(env, s3, plan.bucket, plan.key, name, timeout)
    except InputRejectedError as exc:
        return reject(store, job_id, name, settings, run, str(exc), INPUT)
    return fan_out(env, store, job_id, claimed, name, settings, info, plan.key, plan.bucket)


async def take_segment(
    env: FunctionEnv, parsed: UploadKey, key: str, timeout: float
) -> dict[str, Any]:
    """Check one uploaded segment and send its snippet's event (or record why not)."""
    s3 = client("s3")
    store = ResultsStore(s3, env.results_bucket)
    job_id, index = parsed.job_id, parsed.index
    label = f"job {job_id} segment {index}"
    try:
        head = s3.head_object(Bucket=env.uploads_bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if not is_missing(exc):
            raise
        log.info("%s: gone; ignored", label)
        return {"job_id": job_id, "segment": index, "ignored": "gone"}
    plan_etag = str((head.get("Metadata") or {}).get(PLAN_KEY, ""))
    current, _ = store.current_run(job_id)
    if current is None or current.status != STARTED or current.fingerprint != plan_etag:
        return _not_now(env, s3, job_id, index, plan_etag, label)
    manifest = store.manifest(job_id)
    if manifest is None or not 0 <= index < len(manifest.snippets):
        log.info("%s: not in the plan; ignored", label)
        return {"job_id": job_id, "segment": index, "ignored": "not in the plan"}
    snippet = manifest.snippets[index].snippet
    if index in done_snippets(store, job_id, plan_etag):
        return {"job_id": job_id, "segment": index, "done": True}
    plan = _read_plan(s3, env, job_id)
    if plan is None or plan.media is None:
        return {"job_id": job_id, "segment": index, "ignored": "no plan"}
    try:
        cut = await _check(env, s3, key, parsed.name, plan.media, manifest, index, timeout)
    except InputRejectedError as exc:
        error = f"snippet {index + 1}: its segment was refused: {exc.reason}"
        log.warning("%s: %s", label, error)
        previous = store.record(record_key(job_id, index))
        if previous is None or previous.status != DONE:
            failed = SnippetResult(index, FAILED, current.run, plan_etag, error=error)
            store.put_record(job_id, failed)
        return {"job_id": job_id, "segment": index, "error": error}
    media = replace(plan.media, format=cut.format, stream_index=cut.stream_index)
    task = SnippetTask(
        job_id, key, plan_etag, current.run, manifest.settings, media, snippet, offset=cut.start
    )
    put_all(client("events"), [task.entry(env.event_bus)], attempts=env.put_events_attempts)
    store.add_sent(job_id, current.run, index, time.time())
    log.info("%s: sent (starts %.3f s before its snippet)", label, snippet.start - cut.start)
    return {"job_id": job_id, "segment": index, "sent": True}


def _not_now(
    env: FunctionEnv, s3: Any, job_id: str, index: int, plan_etag: str, label: str
) -> dict[str, Any]:
    """A segment whose plan is not the job's current run: early (tried again) or stale."""
    try:
        plan_head = s3.head_object(Bucket=env.uploads_bucket, Key=plan_key(job_id))
    except botocore.exceptions.ClientError as exc:
        if not is_missing(exc):
            raise
        plan_head = None
    if plan_head is not None and str(plan_head["ETag"]).strip('"') == plan_etag:
        store = ResultsStore(s3, env.results_bucket)
        current, _ = store.current_run(job_id)
        if current is None or current.fingerprint != plan_etag:
            raise PlanPending(f"{label}: its plan is not taken yet")
    log.info("%s: not of the job's current run or plan; ignored", label)
    return {"job_id": job_id, "segment": index, "ignored": "another plan or run"}


def _read_plan(s3: Any, env: FunctionEnv, job_id: str) -> JobPlan | None:
    try:
        body = s3.get_object(Bucket=env.uploads_bucket, Key=plan_key(job_id))["Body"].read()
        return JobPlan.from_json(body)
    except botocore.exceptions.ClientError as exc:
        if not is_missing(exc):
            raise
    except PlanError as exc:
        log.warning("job %s: %s: %s", job_id, PLAN_NAME, exc)
    return None


async def _check(
    env: FunctionEnv,
    s3: Any,
    key: str,
    name: str,
    media: MediaInfo,
    manifest: Manifest,
    index: int,
    timeout: float,
) -> MediaInfo:
    """The segment as probed, once it is found to be what the plan says; raises
    :class:`InputRejectedError` with the reason otherwise."""
    head = s3.get_object(Bucket=env.uploads_bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")
    first = head["Body"].read()
    problem = sniff_problem(first)
    if problem is None and first[4:8] not in _MP4_BOXES:
        problem = "it is not an MP4/MOV file"
    if problem:
        raise InputRejectedError(name, problem)
    # Where the segment starts and ends on the video's timeline (its timestamps are kept).
    cut = await probe_object(env, s3, env.uploads_bucket, key, name, timeout)
    snippet = manifest.snippets[index]
    picture = 1 / media.fps if media.fps > 0 else 0.1
    if cut.demuxer != SEGMENT_DEMUXER:
        raise InputRejectedError(name, f"its container ({cut.demuxer}) is not MP4/MOV")
    if (cut.codec, cut.coded_width, cut.coded_height, cut.rotation) != (
        media.codec,
        media.coded_width,
        media.coded_height,
        media.rotation,
    ):
        raise InputRejectedError(
            name,
            f"it is {cut.codec} {cut.coded_width}×{cut.coded_height}, the plan says "
            f"{media.codec} {media.coded_width}×{media.coded_height}",
        )
    if cut.start > snippet.start + 1e-3:
        raise InputRejectedError(name, f"it starts at {cut.start:.3f} s, after its snippet")
    if cut.start + cut.duration < snippet.end - picture:
        raise InputRejectedError(
            name, f"it ends at {cut.start + cut.duration:.3f} s, before its snippet"
        )
    return cut
