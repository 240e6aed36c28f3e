"""Where a cloud job's objects live in the two buckets.

Uploads bucket (the editor may write here; writing here starts work)::

    uploads/<job-id>/<file name>              the video, settings in its metadata
    uploads/<job-id>/plan.json                or the job's plan: the video is sent as
                                              segments, or is already in S3 (jobplan.py)
    uploads/<job-id>/segments/00003.mov       the segment of snippet 3 (segments.py)
    uploads/<job-id>/control/retry-<run>      re-run the snippets that lack a success record
    uploads/<job-id>/control/cancel-<run>     stop the work of run <run>

Results bucket (only the functions write here, so no output can start new work)::

    results/<job-id>/manifest.json            the job manifest (see docs/manifest.md)
    results/<job-id>/gifs/00000.gif           same relative paths as a local job folder
    results/<job-id>/frames/000000.jpg
    results/<job-id>/snippets/00000.json      completion record of snippet 0 (written last)
    results/<job-id>/run.json                 the job's current run (see runs.py)
    results/<job-id>/runs/<run>.json          a run that was ignored or could not start

A *run* is one round of work on a job: the upload starts one, each retry starts another. Its
id tags the events and completion records, so a cancel or a follower concerns one run only.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass

from ..layout import MANIFEST_NAME, safe_job_name
from ..settings import Settings

UPLOADS_PREFIX = "uploads/"
RESULTS_PREFIX = "results/"
CONTROL_DIR = "control"
RECORDS_DIR = "snippets"
RUN_NAME = "run.json"
RUNS_DIR = "runs"

JOB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
RUN_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# The run of an upload that carries no run id (e.g. one made with another S3 tool).
DEFAULT_RUN = "upload"

PLAN_NAME = "plan.json"
SEGMENTS_DIR = "segments"
SEGMENT_EXTENSIONS = (".mov", ".mp4")
_SEGMENT_RE = re.compile(r"^(?P<index>\d{5})(?P<ext>\.mov|\.mp4)$")

SOURCE, PLAN, SEGMENT = "source", "plan", "segment"
RETRY, CANCEL, IGNORED = "retry", "cancel", "ignored"


@dataclass(frozen=True)
class UploadKey:
    """What an object key under ``uploads/`` stands for."""

    kind: str  # SOURCE, PLAN, SEGMENT, RETRY, CANCEL or IGNORED
    job_id: str = ""
    name: str = ""  # the video's file name (SOURCE), the segment's (SEGMENT)
    run: str = ""  # the run id (RETRY, CANCEL)
    reason: str = ""  # why the key is IGNORED
    index: int = -1  # the snippet (SEGMENT)


def parse_upload_key(key: str) -> UploadKey:
    """Classify ``key`` (already URL-decoded). Anything unexpected is IGNORED, with why."""
    if not key.startswith(UPLOADS_PREFIX):
        return UploadKey(IGNORED, reason="not under uploads/")
    parts = key[len(UPLOADS_PREFIX) :].split("/")
    job_id = parts[0]
    if not JOB_ID_RE.match(job_id):
        return UploadKey(IGNORED, reason="not a valid job id")
    if len(parts) == 2 and parts[1] == PLAN_NAME:
        return UploadKey(PLAN, job_id, name=PLAN_NAME)
    if len(parts) == 2 and parts[1] and parts[1] not in (".", ".."):
        return UploadKey(SOURCE, job_id, name=parts[1])
    if len(parts) == 3 and parts[1] == SEGMENTS_DIR:
        segment = _SEGMENT_RE.match(parts[2])
        if segment:
            return UploadKey(SEGMENT, job_id, name=parts[2], index=int(segment["index"]))
    if len(parts) == 3 and parts[1] == CONTROL_DIR:
        action, _, run = parts[2].partition("-")
        if action in (RETRY, CANCEL) and RUN_RE.match(run):
            return UploadKey(action, job_id, run=run)
    return UploadKey(IGNORED, job_id, reason="not a video or a control object of a job")


def upload_key(job_id: str, name: str) -> str:
    _check_job_id(job_id)
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    return f"{UPLOADS_PREFIX}{job_id}/{name}"


def plan_key(job_id: str) -> str:
    return job_prefix(job_id) + PLAN_NAME


def segments_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}{SEGMENTS_DIR}/"


def segment_key(job_id: str, index: int, extension: str) -> str:
    if extension not in SEGMENT_EXTENSIONS or not 0 <= index <= 99_999:
        raise ValueError(f"not a segment: {index} {extension}")
    return f"{segments_prefix(job_id)}{index:05d}{extension}"


def job_prefix(job_id: str) -> str:
    _check_job_id(job_id)
    return f"{UPLOADS_PREFIX}{job_id}/"


def control_key(job_id: str, action: str, run: str) -> str:
    if action not in (RETRY, CANCEL) or not RUN_RE.match(run):
        raise ValueError(f"bad control object: {action}-{run}")
    return f"{job_prefix(job_id)}{CONTROL_DIR}/{action}-{run}"


def results_prefix(job_id: str) -> str:
    _check_job_id(job_id)
    return f"{RESULTS_PREFIX}{job_id}/"


def result_key(job_id: str, relpath: str) -> str:
    """Key of an output, from its path relative to the job folder (``gifs/00000.gif``)."""
    if relpath.startswith("/") or ".." in relpath.split("/"):
        raise ValueError(f"not a relative output path: {relpath!r}")
    return results_prefix(job_id) + relpath


def manifest_key(job_id: str) -> str:
    return result_key(job_id, MANIFEST_NAME)


def records_prefix(job_id: str) -> str:
    return result_key(job_id, RECORDS_DIR + "/")


def record_key(job_id: str, index: int) -> str:
    return records_prefix(job_id) + f"{index:05d}.json"


def run_key(job_id: str) -> str:
    return result_key(job_id, RUN_NAME)


def run_outcome_key(job_id: str, run: str) -> str:
    if not RUN_RE.match(run):
        raise ValueError(f"not a run id: {run!r}")
    return result_key(job_id, f"{RUNS_DIR}/{run}.json")


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


def cloud_job_id(job_name: str, fingerprint: str, settings: Settings) -> str:
    """The job id of one input, content version and settings: the same three give the same
    id (so a re-run resumes), a change in any gives a new one."""
    identity = json.dumps([job_name, fingerprint, settings.to_dict()], sort_keys=True)
    digest = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    readable = job_name if JOB_ID_RE.match(job_name) else safe_job_name(job_name, key=job_name)
    return f"{readable[:100]}-{digest}"


def _check_job_id(job_id: str) -> None:
    if not JOB_ID_RE.match(job_id):
        raise ValueError(f"not a valid job id: {job_id!r}")
