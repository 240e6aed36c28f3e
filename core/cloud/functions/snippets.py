"""The snippets function: an upload (or a retry request) in, one event per snippet out.

Triggered by ``s3:ObjectCreated:*`` under ``uploads/``. For a video it checks the settings
in the object's metadata, the file name's extension and the first bytes before ffmpeg ever
sees the object, probes it through a presigned https URL with the input restrictions of
:mod:`core.input_safety`, writes the job manifest to the results bucket and sends one event
per snippet. A bad input or bad settings end in a manifest with status ``failed`` and the
reason, and no events. Infrastructure failures raise, so Lambda retries the invocation
(the same S3 event gives the same events and output keys, so retries are harmless).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import unquote_plus

from ...errors import InputRejectedError, SettingsError
from ...input_safety import VIDEO_EXTENSIONS, as_source, has_video_extension, sniff_problem
from ...manifest import RUNNING, Manifest, SourceInfo
from ...probe import probe
from ...settings import Settings
from ..keys import RETRY, SOURCE, UploadKey, job_prefix, parse_upload_key
from ..metadata import from_metadata
from ..records import DONE
from ..store import ResultsStore
from ..tasks import SnippetTask
from .environment import FunctionEnv, client, presigned_get, redact, setup_logging, time_left
from .fanout import put_all

log = logging.getLogger("framefan")

SNIFF_BYTES = 4096


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
        if parsed.kind == SOURCE:
            handled.append(
                await _start(env, parsed, key, None, min(env.probe_timeout, seconds_left))
            )
        elif parsed.kind == RETRY:
            handled.append(await _retry(env, parsed, min(env.probe_timeout, seconds_left)))
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
        log.error("retry of job %s: the job has no uploaded video", parsed.job_id)
        return {"job_id": parsed.job_id, "error": "no video"}
    latest = max(videos, key=lambda item: item["LastModified"])
    source = parse_upload_key(latest["Key"])
    return await _start(env, source, latest["Key"], parsed.run, timeout)


async def _start(
    env: FunctionEnv, parsed: UploadKey, key: str, retry_run: str | None, timeout: float
) -> dict[str, Any]:
    s3 = client("s3")
    store = ResultsStore(s3, env.results_bucket)
    job_id, name = parsed.job_id, parsed.name
    head = s3.head_object(Bucket=env.uploads_bucket, Key=key)
    fingerprint = str(head["ETag"]).strip('"')
    try:
        settings, run = from_metadata(head.get("Metadata") or {})
    except SettingsError as exc:
        return _reject(store, job_id, name, Settings(), f"{name}: invalid settings: {exc}")
    run = retry_run or run
    try:
        info = await _probe(env, s3, key, name, timeout)
    except InputRejectedError as exc:
        return _reject(store, job_id, name, settings, str(exc))
    source = SourceInfo.from_media(name, info, fingerprint)
    manifest = Manifest.planned(job_id, source, settings, backend="lambda")
    manifest.status = RUNNING
    previous = store.manifest(job_id)
    if previous is not None and previous.source.fingerprint == fingerprint:
        manifest.created = previous.created
    store.put_manifest(manifest)
    done: set[int] = set()
    if retry_run is not None:
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
    put_all(
        client("events"),
        [task.entry(env.event_bus) for task in tasks],
        attempts=env.put_events_attempts,
    )
    log.info(
        "job %s run %s: %d snippets, %d requested", job_id, run, len(manifest.snippets), len(tasks)
    )
    return {"job_id": job_id, "run": run, "snippets": len(manifest.snippets), "sent": len(tasks)}


async def _probe(env: FunctionEnv, s3: Any, key: str, name: str, timeout: float):
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
            as_source(url, name=name), timeout=timeout, max_duration=env.max_duration
        )
    except InputRejectedError as exc:
        raise InputRejectedError(name, redact(exc.reason, url, name)) from None


def _reject(
    store: ResultsStore, job_id: str, name: str, settings: Settings, error: str
) -> dict[str, Any]:
    log.warning("job %s rejected: %s", job_id, error)
    manifest = Manifest.rejected(job_id, name, settings, error)
    manifest.backend = "lambda"
    store.put_manifest(manifest)
    return {"job_id": job_id, "error": error}
