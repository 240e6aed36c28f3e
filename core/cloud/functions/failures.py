"""The on-failure handler: a request that never produced a result gets one.

It is fed by two SQS queues: the functions' on-failure destination (an invocation that
failed after Lambda's retries, or whose event grew too old: out of memory, a hard timeout,
a raised error) and the snippet rule's dead-letter queue (an event EventBridge could not
deliver). From the original request it writes what the desktop waits for:

* a snippet request: a ``failed`` completion record for that snippet and run, with the
  reason, unless the snippet is done or another run has recorded it since;
* an upload, plan or retry: a failed, retryable run record (and a failed manifest) for that
  run, unless another run has taken the job since;
* a segment: a ``failed`` completion record for its snippet in the job's current run,
  unless the snippet is done.

A message that is not one of ours is logged and dropped; a message it cannot handle now
(S3 unavailable) is reported back as a batch item failure, so SQS delivers it again.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import unquote_plus

import botocore.exceptions

from ...manifest import Manifest
from ...settings import Settings
from ..keys import DEFAULT_RUN, PLAN, RETRY, SEGMENT, SOURCE, parse_upload_key, record_key
from ..metadata import from_metadata
from ..records import DONE, FAILED, SnippetResult
from ..runs import BROKEN, UNREACHABLE, RunRecord
from ..runs import FAILED as RUN_FAILED
from ..store import ResultsStore, is_missing
from ..tasks import SnippetTask, TaskError
from .environment import FunctionEnv, client, setup_logging

log = logging.getLogger("framefan")

_MAX_DETAIL = 240


def handler(event: Any, context: Any) -> dict[str, Any]:
    setup_logging()
    return handle(event, FunctionEnv.from_environ())


def handle(event: Any, env: FunctionEnv) -> dict[str, Any]:
    failures = []
    for message in (event or {}).get("Records") or []:
        try:
            _handle_message(env, message)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            log.warning("message %s: %s; it will be delivered again", message.get("messageId"), exc)
            failures.append({"itemIdentifier": message.get("messageId")})
    return {"batchItemFailures": failures}


def _handle_message(env: FunctionEnv, message: dict[str, Any]) -> None:
    try:
        body = json.loads(message.get("body") or "")
    except ValueError:
        log.error("dropping message %s: not JSON", message.get("messageId"))
        return
    if isinstance(body, dict) and "requestContext" in body and "requestPayload" in body:
        payload, reason, error_type = body["requestPayload"], _invocation_failure(body), _type(body)
    else:
        payload, reason, error_type = body, _undelivered(message), ""
    if isinstance(payload, dict) and "detail-type" in payload:
        _snippet_failed(env, payload, reason)
    elif isinstance(payload, dict) and isinstance(payload.get("Records"), list):
        for record in payload["Records"]:
            _start_failed(env, record, reason, error_type)
    else:
        log.error("dropping message %s: not a FrameFan request", message.get("messageId"))


def _invocation_failure(body: dict[str, Any]) -> str:
    context = body.get("requestContext") or {}
    response = body.get("responsePayload")
    detail = ""
    if isinstance(response, dict):
        detail = str(response.get("errorMessage") or response.get("errorType") or "")
    elif response:
        detail = str(response)
    detail = " ".join(detail.split())[:_MAX_DETAIL]
    if "signal: killed" in detail or "Runtime.OutOfMemory" in detail:
        detail = "the function was killed (out of memory?)"
    elif "Task timed out" in detail:
        detail = "it ran past the function's time limit"
    if context.get("condition") == "EventAgeExceeded":
        return "the request waited too long to run (the functions were busy or throttled)"
    attempts = context.get("approximateInvokeCount")
    tries = f" after {attempts} attempts" if attempts else ""
    return f"the cloud function failed{tries}" + (f": {detail}" if detail else "")


def _type(body: dict[str, Any]) -> str:
    response = body.get("responsePayload")
    return str(response.get("errorType") or "") if isinstance(response, dict) else ""


def _undelivered(message: dict[str, Any]) -> str:
    attributes = message.get("messageAttributes") or {}

    def value(name: str) -> str:
        item = attributes.get(name) or {}
        return str(item.get("stringValue") or item.get("StringValue") or "")

    code, text = value("ERROR_CODE"), value("ERROR_MESSAGE")
    detail = " ".join(f"{code}: {text}".strip(": ").split())[:_MAX_DETAIL]
    return "the request could not be delivered to the cloud function" + (
        f" ({detail})" if detail else ""
    )


def _snippet_failed(env: FunctionEnv, event: dict[str, Any], reason: str) -> None:
    try:
        task = SnippetTask.from_event(event)
    except TaskError as exc:
        log.error("dropping a failed request that is not a snippet request: %s", exc)
        return
    store = ResultsStore(client("s3"), env.results_bucket)
    index = task.snippet.index
    previous = store.record(record_key(task.job_id, index))
    if previous is not None and previous.status == DONE:
        log.info("job %s snippet %d: done meanwhile; nothing to record", task.job_id, index)
        return
    if previous is not None and previous.run != task.run:
        current, _ = store.current_run(task.job_id)
        if current is not None and previous.run == current.run:
            log.info("job %s snippet %d: a later run recorded it", task.job_id, index)
            return
    error = f"snippet {index + 1}: {reason}; run again to retry"
    log.warning("job %s run %s: %s", task.job_id, task.run, error)
    store.put_record(
        task.job_id,
        SnippetResult(index, FAILED, task.run, task.fingerprint, error=error),
    )


def _start_failed(env: FunctionEnv, record: dict[str, Any], reason: str, error_type: str) -> None:
    raw_key = ((record.get("s3") or {}).get("object") or {}).get("key")
    if not raw_key:
        return
    parsed = parse_upload_key(unquote_plus(raw_key))
    if parsed.kind == SEGMENT:
        _segment_failed(env, parsed.job_id, parsed.index, reason)
        return
    if parsed.kind not in (SOURCE, PLAN, RETRY):
        return
    s3 = client("s3")
    store = ResultsStore(s3, env.results_bucket)
    job_id, run, name, settings = parsed.job_id, parsed.run, parsed.name, Settings()
    if parsed.kind == PLAN:
        name = ""
    if parsed.kind in (SOURCE, PLAN):
        try:
            head = s3.head_object(Bucket=env.uploads_bucket, Key=unquote_plus(raw_key))
            settings, run = from_metadata(head.get("Metadata") or {})
        except botocore.exceptions.ClientError as exc:
            if not is_missing(exc):
                raise
            run = DEFAULT_RUN
        except ValueError:
            run = DEFAULT_RUN
    current, _ = store.current_run(job_id)
    if current is not None and current.run != run:
        log.info("job %s: run %s failed to start, but run %s has the job", job_id, run, current.run)
        return
    kind = UNREACHABLE if error_type == "SourceUnreachableError" else BROKEN
    error = f"{name or 'the video'}: the cloud could not start processing it: {reason}"
    log.warning("job %s run %s: %s", job_id, run, error)
    now = time.time()
    manifest = Manifest.rejected(job_id, name or "video", settings, error)
    manifest.backend = "lambda"
    store.put_manifest(manifest)
    store.put_run(job_id, RunRecord(run, RUN_FAILED, "", now, now, error=error, kind=kind))


def _segment_failed(env: FunctionEnv, job_id: str, index: int, reason: str) -> None:
    store = ResultsStore(client("s3"), env.results_bucket)
    current, _ = store.current_run(job_id)
    if current is None:
        log.info("job %s segment %d failed; the job has no run to record it in", job_id, index)
        return
    previous = store.record(record_key(job_id, index))
    if previous is not None and previous.status == DONE:
        log.info("job %s snippet %d: done meanwhile; nothing to record", job_id, index)
        return
    error = f"snippet {index + 1}: its segment could not be taken: {reason}; run again to retry"
    log.warning("job %s run %s: %s", job_id, current.run, error)
    store.put_record(
        job_id, SnippetResult(index, FAILED, current.run, current.fingerprint, error=error)
    )
