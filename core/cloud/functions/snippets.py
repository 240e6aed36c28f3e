"""The snippets function: an upload (or a retry request) in, one event per snippet out.

Triggered by ``s3:ObjectCreated:*`` under ``uploads/``. For a video it claims the job's run
(:mod:`..runs`: a retry while another run is live is ignored), checks the settings in the
object's metadata, the file name's extension and the first bytes before ffmpeg ever sees
the object, probes it through a presigned https URL with the input restrictions of
:mod:`core.input_safety`, checks the stack's per-job limits (:mod:`..limits`), writes the
job manifest to the results bucket and sends one event per snippet that has no ``done``
record yet.

A bad input, bad settings or a job over a limit end in a manifest with status ``failed``
and the reason, a failed run record saying so, and no events. A retry whose video has
expired records that, so the desktop uploads it again. A source that could not be read
over the network, and any other infrastructure failure, raise, so Lambda retries the
invocation (the same event gives the same events and output keys, so retries are
harmless); after the last retry, the on-failure handler records the run as failed and
retryable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import unquote_plus

import botocore.exceptions

from ...errors import InputRejectedError, SettingsError, SourceUnreachableError
from ...input_safety import VIDEO_EXTENSIONS, as_source, has_video_extension, sniff_problem
from ...manifest import RUNNING, Manifest, SourceInfo
from ...probe import MediaInfo, probe
from ...settings import Settings
from ..keys import CANCEL, RETRY, SOURCE, UploadKey, control_key, job_prefix, parse_upload_key
from ..metadata import from_metadata
from ..records import DONE
from ..runs import EXPIRED, FAILED, IGNORED, INPUT, LIMIT, STARTED, RunRecord, is_live
from ..store import ResultsStore, is_missing
from ..tasks import SnippetTask
from .environment import FunctionEnv, client, presigned_get, redact, setup_logging, time_left
from .fanout import put_all

log = logging.getLogger("framefan")

SNIFF_BYTES = 4096
_CLAIM_TRIES = 3


def handler(event: Any, context: Any) -> dict[str, Any]:
    setup_logging()
    env = FunctionEnv.from_environ()
    return asyncio.run(handle(event, env, time_left(context, env.probe_timeout)))


async def handle(event: Any, env: FunctionEnv, seconds_left: float) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("Event") == "s3:TestEvent":
        log.info("ignoring the S3 test event")
        return {"handled": []}
    handled = []
    for record in (event or {}).get("Records") or []:
        s3_part = record.get("s3") or {}
        bucket = (s3_part.get("bucket") or {}).get("name")
        raw_key = (s3_part.get("object") or {}).get("key")
        name = str(record.get("eventName", ""))
        if bucket != env.uploads_bucket or not raw_key or not name.startswith("ObjectCreated:"):
            log.info("ignoring event %s on %s", name, bucket)
            continue
        key = unquote_plus(raw_key)
        parsed = parse_upload_key(key)
        timeout = min(env.probe_timeout, seconds_left)
        if parsed.kind == SOURCE:
            handled.append(await _start(env, parsed, key, None, timeout))
        elif parsed.kind == RETRY:
            handled.append(await _retry(env, parsed, timeout))
        else:
            log.info("ignoring %s (%s)", key, parsed.reason or parsed.kind)
    return {"handled": handled}


async def _retry(env: FunctionEnv, parsed: UploadKey, timeout: float) -> dict[str, Any]:
    s3 = client("s3")
    listing = s3.list_objects_v2(
        Bucket=env.uploads_bucket, Prefix=job_prefix(parsed.job_id), Delimiter="/"
    )
    videos = [
        item
        for item in listing.get("Contents") or []
        if parse_upload_key(item["Key"]).kind == SOURCE
    ]
    if not videos:
        return _expired(env, parsed.job_id, "", parsed.run)
    latest = max(videos, key=lambda item: item["LastModified"])
    source = parse_upload_key(latest["Key"])
    return await _start(env, source, latest["Key"], parsed.run, timeout)


async def _start(
    env: FunctionEnv, parsed: UploadKey, key: str, retry_run: str | None, timeout: float
) -> dict[str, Any]:
    s3 = client("s3")
    store = ResultsStore(s3, env.results_bucket)
    job_id, name = parsed.job_id, parsed.name
    try:
        head = s3.head_object(Bucket=env.uploads_bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if not is_missing(exc):
            raise
        return _expired(env, job_id, name, retry_run)
    fingerprint = str(head["ETag"]).strip('"')
    try:
        settings, run = from_metadata(head.get("Metadata") or {})
    except SettingsError as exc:
        error = f"{name}: invalid settings: {exc}"
        return _reject(store, job_id, name, Settings(), retry_run or "upload", error, INPUT)
    run = retry_run or run
    claimed = _claim(env, store, job_id, run, fingerprint)
    if claimed is None:
        return {"job_id": job_id, "run": run, "ignored": True}
    try:
        info = await _probe(env, s3, key, name, timeout)
    except InputRejectedError as exc:
        return _reject(store, job_id, name, settings, run, str(exc), INPUT)
    over = env.limits.check(name, info, settings)
    if over:
        return _reject(store, job_id, name, settings, run, f"{name}: {over}", LIMIT)
    source = SourceInfo.from_media(name, info, fingerprint)
    manifest = Manifest.planned(job_id, source, settings, backend="lambda")
    manifest.status = RUNNING
    previous = store.manifest(job_id)
    if previous is not None and previous.source.fingerprint == fingerprint:
        manifest.created = previous.created
    store.put_manifest(manifest)
    # Only what has no done record is requested, by a retry as by a repeated upload event.
    done = {
        index
        for index, record in store.records(job_id).items()
        if record.status == DONE and record.fingerprint == fingerprint
    }
    tasks = [
        SnippetTask(job_id, key, fingerprint, run, settings, info, record.snippet)
        for record in manifest.snippets
        if record.index not in done
    ]
    store.put_run(
        job_id,
        claimed.with_changes(
            snippets=len(manifest.snippets),
            sent=tuple(t.snippet.index for t in tasks),
            updated=time.time(),
        ),
    )
    put_all(
        client("events"),
        [task.entry(env.event_bus) for task in tasks],
        attempts=env.put_events_attempts,
    )
    log.info(
        "job %s run %s: %d snippets, %d requested", job_id, run, len(manifest.snippets), len(tasks)
    )
    return {"job_id": job_id, "run": run, "snippets": len(manifest.snippets), "sent": len(tasks)}


def _claim(
    env: FunctionEnv, store: ResultsStore, job_id: str, run: str, fingerprint: str
) -> RunRecord | None:
    """Make ``run`` the job's current run; None when another live run keeps it (then the
    request is ignored, and recorded as such for the desktop)."""
    for _ in range(_CLAIM_TRIES):
        current, etag = store.current_run(job_id)
        now = time.time()
        if current is not None and current.run == run and current.status == STARTED:
            return current  # the same run again (a repeated event, or Lambda's retry)
        if current is not None and current.run != run:
            cancelled = _has_cancel(env, job_id, current.run)
            if is_live(current, store.job_records(job_id), now, env.run_stall, cancelled=cancelled):
                log.info(
                    "job %s: run %s ignored, run %s is still under way", job_id, run, current.run
                )
                store.put_run_outcome(
                    job_id,
                    RunRecord(run, IGNORED, fingerprint, now, now, live_run=current.run),
                )
                return None
        record = RunRecord(run, STARTED, fingerprint, started=now, updated=now)
        if store.claim_run(job_id, record, etag):
            return record
    raise RuntimeError(f"job {job_id}: the run record kept changing; retrying")


def _has_cancel(env: FunctionEnv, job_id: str, run: str) -> bool:
    try:
        client("s3").head_object(Bucket=env.uploads_bucket, Key=control_key(job_id, CANCEL, run))
    except botocore.exceptions.ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


async def _probe(env: FunctionEnv, s3: Any, key: str, name: str, timeout: float) -> MediaInfo:
    if not has_video_extension(name):
        allowed = ", ".join(sorted(VIDEO_EXTENSIONS))
        raise InputRejectedError(name, f"not a video file name (allowed: {allowed})")
    head = s3.get_object(Bucket=env.uploads_bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")
    problem = sniff_problem(head["Body"].read())
    if problem:
        raise InputRejectedError(name, problem)
    url = presigned_get(env, key)
    try:
        return await probe(
            as_source(url, name=name),
            ffmpeg=env.ffmpeg(),
            timeout=timeout,
            max_duration=env.limits.max_duration,
        )
    except InputRejectedError as exc:
        raise InputRejectedError(name, redact(exc.reason, url, name)) from None
    except SourceUnreachableError as exc:
        # Raised: Lambda tries again; the message (in the logs, and in the on-failure
        # record) must not carry the presigned URL.
        raise SourceUnreachableError(name, redact(exc.reason, url, name)) from None


def _reject(
    store: ResultsStore,
    job_id: str,
    name: str,
    settings: Settings,
    run: str,
    error: str,
    kind: str,
) -> dict[str, Any]:
    log.warning("job %s rejected: %s", job_id, error)
    manifest = Manifest.rejected(job_id, name, settings, error)
    manifest.backend = "lambda"
    store.put_manifest(manifest)
    now = time.time()
    store.put_run(job_id, RunRecord(run, FAILED, "", now, now, error=error, kind=kind))
    return {"job_id": job_id, "error": error, "kind": kind}


def _expired(env: FunctionEnv, job_id: str, name: str, run: str | None) -> dict[str, Any]:
    store = ResultsStore(client("s3"), env.results_bucket)
    error = (
        f"{name or 'the video'}: the uploaded video is no longer in the cloud (uploads are "
        f"kept {env.upload_days} days); it will be uploaded again"
    )
    return _reject(store, job_id, name or "video", Settings(), run or "upload", error, EXPIRED)
