"""The process function: one snippet request in, that snippet's GIF and stills out.

It renders with :func:`core.render.render_snippet` from a presigned https URL (forced
demuxer, ``https,tls,tcp`` only, ffmpeg's reconnect options) of the uploaded video, of the
snippet's segment (from the segment's first timestamp) or of a video in a source bucket,
uploads the outputs, then
writes the snippet's completion record: last, so a ``done`` record means every output is in
place. The work folder in ``/tmp`` is always removed.

What a retry cannot change (a damaged picture, a full ``/tmp``) becomes a ``failed`` record
with a one-line message. What a retry may fix (the source could not be read over the
network, the results could not be written, the function's ffmpeg is missing) raises, so
Lambda retries the invocation; after the last retry the on-failure handler
(:mod:`.failures`) records the snippet as failed with the reason.

A request whose snippet already has a ``done`` record for the same source is skipped
(redelivery); then one whose run has a cancel marker is skipped too, recorded as
``cancelled`` unless another run has recorded this snippet since.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import botocore.exceptions

from ...errors import FrameFanError, SourceUnreachableError
from ...input_safety import as_source, has_video_extension
from ...remote_errors import remote_missing
from ...render import SnippetOutput, render_snippet
from ..keys import CANCEL, control_key, parse_upload_key, record_key, result_key
from ..records import CANCELLED, DONE, FAILED, SnippetResult
from ..store import ResultsStore, is_missing
from ..tasks import SnippetTask, TaskError
from .environment import FunctionEnv, client, presigned_get, redact, setup_logging, time_left

log = logging.getLogger("framefan")

UPLOAD_THREADS = 8
_CONTENT_TYPES = {".gif": "image/gif", ".jpg": "image/jpeg"}


def handler(event: Any, context: Any) -> dict[str, Any]:
    setup_logging()
    env = FunctionEnv.from_environ()
    return asyncio.run(handle(event, env, time_left(context, env.render_timeout)))


async def handle(event: Any, env: FunctionEnv, seconds_left: float) -> dict[str, Any]:
    began = time.monotonic()
    try:
        task = SnippetTask.from_event(event)
    except TaskError as exc:
        # Not ours or malformed: retrying cannot help, so report and return.
        log.error("rejected event: %s", exc)
        return {"status": "rejected", "error": str(exc)}
    store = ResultsStore(client("s3"), env.results_bucket)
    index = task.snippet.index
    label = f"job {task.job_id} snippet {index} run {task.run}"
    # Done first: a duplicate event after a cancel must not undo a finished snippet.
    previous = store.record(record_key(task.job_id, index))
    if previous and previous.status == DONE and previous.fingerprint == task.fingerprint:
        log.info("%s: already done, nothing to do", label)
        return {"status": DONE, "skipped": True}
    if _cancelled(env, task):
        log.info("%s: skipped, the run was cancelled", label)
        if previous is None or previous.run == task.run:
            store.put_record(task.job_id, _record(task, CANCELLED, began))
        return {"status": CANCELLED}
    ffmpeg = env.ffmpeg()  # a deployment without its ffmpeg fails loudly, and is retried
    work = Path(tempfile.mkdtemp(prefix="framefan-"))
    try:
        record = await _render_and_upload(
            env, task, work, min(env.render_timeout, seconds_left), ffmpeg
        )
        record = replace(record, total_seconds=_since(began))
    except SourceUnreachableError as exc:
        log.warning("%s: %s; leaving it to Lambda to retry", label, exc)
        raise
    except FrameFanError as exc:
        log.warning("%s failed: %s", label, exc)
        record = _record(task, FAILED, began, error=str(exc))
    except OSError as exc:  # e.g. /tmp full: the snippet fails, the record says why
        log.warning("%s failed: %s", label, exc)
        error = f"snippet {index + 1}: cannot write its work files: {exc.strerror or exc}"
        record = _record(task, FAILED, began, error=error)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    store.put_record(task.job_id, record)
    log.info("%s: %s in %.1f s", label, record.status, record.total_seconds or 0)
    return {"status": record.status, "error": record.error}


async def _render_and_upload(
    env: FunctionEnv, task: SnippetTask, work: Path, timeout: float, ffmpeg: str
) -> SnippetResult:
    bucket = task.source_bucket or env.uploads_bucket
    if not env.readable(bucket):
        raise FrameFanError(
            f"snippet {task.snippet.index + 1}: bucket {bucket!r} is not one of the stack's "
            "source buckets (SourceBuckets)"
        )
    if task.source_bucket:
        name = task.source_key.rsplit("/", 1)[-1]
    else:
        name = parse_upload_key(task.source_key).name
    if not has_video_extension(name):
        raise FrameFanError(f"{name}: not a video file name")
    url = presigned_get(env, task.source_key, bucket)
    try:
        output = await render_snippet(
            as_source(url, name=name),
            task.media,
            task.snippet,
            task.settings,
            work,
            ffmpeg=ffmpeg,
            timeout=timeout,
            offset=task.offset,
        )
    except SourceUnreachableError as exc:
        raise SourceUnreachableError(exc.name, redact(exc.reason, url, name)) from None
    except FrameFanError as exc:
        message = redact(str(exc), url, name)
        if remote_missing([message]):
            message = (
                f"snippet {task.snippet.index + 1}: the uploaded video is no longer there "
                f"(uploads are kept {env.upload_days} days); run again to upload it again"
            )
        raise FrameFanError(message) from None
    # S3 errors here raise as they are: Lambda retries the invocation.
    await asyncio.to_thread(_upload_outputs, env, task, work, output)
    return SnippetResult(
        index=task.snippet.index,
        status=DONE,
        run=task.run,
        fingerprint=task.fingerprint,
        gif=output.gif,
        frames=tuple(n for n, _ in output.frames),
        render_seconds=round(output.seconds, 3),
    )


def _upload_outputs(env: FunctionEnv, task: SnippetTask, work: Path, output: SnippetOutput) -> None:
    s3 = client("s3")
    paths = [relpath for _, relpath in output.frames] + [output.gif]

    def put(relpath: str) -> None:
        s3.upload_file(
            str(work / relpath),
            env.results_bucket,
            result_key(task.job_id, relpath),
            ExtraArgs={"ContentType": _CONTENT_TYPES[Path(relpath).suffix]},
        )

    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        list(pool.map(put, paths))


def _cancelled(env: FunctionEnv, task: SnippetTask) -> bool:
    try:
        client("s3").head_object(
            Bucket=env.uploads_bucket, Key=control_key(task.job_id, CANCEL, task.run)
        )
    except botocore.exceptions.ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


def _record(
    task: SnippetTask, status: str, began: float, error: str | None = None
) -> SnippetResult:
    return SnippetResult(
        index=task.snippet.index,
        status=status,
        run=task.run,
        fingerprint=task.fingerprint,
        error=error,
        total_seconds=_since(began),
    )


def _since(began: float) -> float:
    return round(time.monotonic() - began, 3)
