"""What the snippets function does for every kind of job: claim the run, probe a video,
check the limits, write the manifest, send the snippet events, or record why it could not.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import botocore.exceptions

from ...errors import InputRejectedError, SettingsError, SourceUnreachableError
from ...input_safety import VIDEO_EXTENSIONS, as_source, has_video_extension, sniff_problem
from ...manifest import RUNNING, Manifest, SourceInfo
from ...probe import MediaInfo, probe
from ...settings import Settings
from ..keys import CANCEL, control_key
from ..metadata import from_metadata
from ..records import DONE
from ..runs import EXPIRED, FAILED, IGNORED, INPUT, LIMIT, STARTED, RunRecord, is_live
from ..store import ResultsStore, is_missing
from ..tasks import SnippetTask
from .environment import FunctionEnv, client, presigned_get, redact
from .fanout import put_all

log = logging.getLogger("framefan")

SNIFF_BYTES = 4096
_CLAIM_TRIES = 3


def fan_out(
    env: FunctionEnv,
    store: ResultsStore,
    job_id: str,
    claimed: RunRecord,
    name: str,
    settings: Settings,
    info: MediaInfo,
    key: str,
    bucket: str = "",
) -> dict[str, Any]:
    """Check the limits, write the manifest and send one event per snippet not done."""
    run, fingerprint = claimed.run, claimed.fingerprint
    over = env.limits.check(name, info, settings)
    if over:
        return reject(store, job_id, name, settings, run, f"{name}: {over}", LIMIT)
    manifest = write_manifest(store, job_id, name, info, settings, fingerprint)
    # Only what has no done record is requested, by a retry as by a repeated upload event.
    done = done_snippets(store, job_id, fingerprint)
    tasks = [
        SnippetTask(
            job_id, key, fingerprint, run, settings, info, record.snippet, source_bucket=bucket
        )
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


def write_manifest(
    store: ResultsStore,
    job_id: str,
    name: str,
    info: MediaInfo,
    settings: Settings,
    fingerprint: str,
) -> Manifest:
    source = SourceInfo.from_media(name, info, fingerprint)
    manifest = Manifest.planned(job_id, source, settings, backend="lambda")
    manifest.status = RUNNING
    previous = store.manifest(job_id)
    if previous is not None and previous.source.fingerprint == fingerprint:
        manifest.created = previous.created
    store.put_manifest(manifest)
    return manifest


def done_snippets(store: ResultsStore, job_id: str, fingerprint: str) -> set[int]:
    return {
        index
        for index, record in store.records(job_id).items()
        if record.status == DONE and record.fingerprint == fingerprint
    }


def claim(
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


def claim_upload(
    env: FunctionEnv,
    store: ResultsStore,
    job_id: str,
    name: str,
    head: dict[str, Any],
    retry_run: str | None,
) -> tuple[Settings, RunRecord] | dict[str, Any]:
    """The settings an uploaded object (``head``: its HEAD response) carries and the run
    claimed for it; or, when there is nothing to start, the function's answer (settings
    that are not valid reject the job; a live run has the request ignored)."""
    fingerprint = str(head["ETag"]).strip('"')
    try:
        settings, run = from_metadata(head.get("Metadata") or {})
    except SettingsError as exc:
        error = f"{name}: invalid settings: {exc}"
        return reject(store, job_id, name, Settings(), retry_run or "upload", error, INPUT)
    run = retry_run or run
    claimed = claim(env, store, job_id, run, fingerprint)
    if claimed is None:
        return {"job_id": job_id, "run": run, "ignored": True}
    return settings, claimed


def _has_cancel(env: FunctionEnv, job_id: str, run: str) -> bool:
    try:
        client("s3").head_object(Bucket=env.uploads_bucket, Key=control_key(job_id, CANCEL, run))
    except botocore.exceptions.ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


async def probe_object(
    env: FunctionEnv,
    s3: Any,
    bucket: str,
    key: str,
    name: str,
    timeout: float,
) -> MediaInfo:
    """Probe an object through a presigned URL, after checking its name and first bytes."""
    if not has_video_extension(name):
        allowed = ", ".join(sorted(VIDEO_EXTENSIONS))
        raise InputRejectedError(name, f"not a video file name (allowed: {allowed})")
    head = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")
    problem = sniff_problem(head["Body"].read())
    if problem:
        raise InputRejectedError(name, problem)
    url = presigned_get(env, key, bucket)
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


def reject(
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


def expired(env: FunctionEnv, job_id: str, name: str, run: str | None) -> dict[str, Any]:
    store = ResultsStore(client("s3"), env.results_bucket)
    error = (
        f"{name or 'the video'}: the uploaded video is no longer in the cloud (uploads are "
        f"kept {env.upload_days} days); it will be uploaded again"
    )
    return reject(store, job_id, name or "video", Settings(), run or "upload", error, EXPIRED)
