"""The snippets function: an upload (or a retry request) in, one event per snippet out.

Triggered by ``s3:ObjectCreated:*`` under ``uploads/``. A job plan (the video sent as
segments, or already in S3) and each segment are handled by :mod:`.plans`. For a video it
claims the job's run (:mod:`..runs`: a retry while another run is live is ignored), checks
the settings in the object's metadata, the file name's extension and the first bytes
before ffmpeg ever sees the object, probes it through a presigned https URL with the input
restrictions of :mod:`core.input_safety`, checks the stack's per-job limits
(:mod:`..limits`), writes the job manifest to the results bucket and sends one event per
snippet that has no ``done`` record yet (:mod:`.jobs`).

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
from typing import Any
from urllib.parse import unquote_plus

import botocore.exceptions

from ...errors import InputRejectedError
from ..keys import PLAN, RETRY, SEGMENT, SOURCE, UploadKey, job_prefix, parse_upload_key
from ..runs import INPUT
from ..store import ResultsStore, is_missing
from . import plans
from .environment import FunctionEnv, client, setup_logging, time_left
from .jobs import claim_upload, expired, fan_out, probe_object, reject

log = logging.getLogger("framefan")


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
        elif parsed.kind == PLAN:
            handled.append(await plans.start_plan(env, parsed, key, None, timeout))
        elif parsed.kind == SEGMENT:
            handled.append(await plans.take_segment(env, parsed, key, timeout))
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
    # The job's video or plan (the latest, if both: the desktop switched how it sends it).
    videos = [
        item
        for item in listing.get("Contents") or []
        if parse_upload_key(item["Key"]).kind in (SOURCE, PLAN)
    ]
    if not videos:
        return expired(env, parsed.job_id, "", parsed.run)
    latest = max(videos, key=lambda item: item["LastModified"])
    source = parse_upload_key(latest["Key"])
    if source.kind == PLAN:
        return await plans.start_plan(env, source, latest["Key"], parsed.run, timeout)
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
        return expired(env, job_id, name, retry_run)
    started = claim_upload(env, store, job_id, name, head, retry_run)
    if isinstance(started, dict):
        return started
    settings, claimed = started
    try:
        info = await probe_object(env, s3, env.uploads_bucket, key, name, timeout)
    except InputRejectedError as exc:
        return reject(store, job_id, name, settings, claimed.run, str(exc), INPUT)
    return fan_out(env, store, job_id, claimed, name, settings, info, key)
