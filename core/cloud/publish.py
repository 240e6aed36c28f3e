"""Publishing a Lambda job's web page (``framefan export web JOB --publish``): the page goes
under the job's prefix in the results bucket, beside the stills and GIFs the functions wrote
there, and a presigned link opens it for a chosen time, at most 7 days (the longest S3
signs a link for).

The buckets stay private. A presigned link opens one object only, so the page names every
file it loads (its stylesheet and script, each still, GIF and sprite sheet) by a presigned
link of its own, valid as long as the page's. The job's stills and GIFs are those already in
the bucket; any missing there (results removed by hand) are sent from the job folder.

Results bucket (see keys.py)::

    results/<job-id>/web/index.html          the page (gzip-compressed: it holds the links)
    results/<job-id>/web/player.css, player.js, sprites/sprite-000.jpg, …
    results/<job-id>/web/files/frames/…      stills the bucket no longer held
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import FrameFanError, UsageError
from ..export.job import MAX_GIF_BYTES, ExportJob
from ..export.web import PAGE_FILES, SPRITES_DIR, write_page
from ..export.work import Steps
from ..safe_read import UnsafeFileError, read_recorded_file
from .keys import JOB_ID_RE, result_key, results_prefix

# boto3 and the cloud runner are imported where they are used: ``framefan export`` starts
# without them unless a page is published.

MAX_HOURS = 7 * 24
DEFAULT_HOURS = 72.0
WEB_DIR = "web"
PAGE = "index.html"
_STATE_BYTES = 1 << 20
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript"}


@dataclass(frozen=True)
class Published:
    url: str  # the page's presigned link
    key: str  # where the page is in the results bucket
    expires: datetime  # when the links stop working (UTC)
    uploaded: int  # files sent
    reused: int  # stills and GIFs already in the bucket


def check_hours(hours: float) -> float:
    if not 0 < hours <= MAX_HOURS:
        raise UsageError(
            f"--expires must be more than 0 and at most {MAX_HOURS} hours (7 days), "
            f"the longest a link can be signed for (got {hours:g})"
        )
    return hours


def cloud_job_of(job: ExportJob) -> tuple[str, str | None]:
    """The id of ``job`` in the buckets, and the stack it ran on (as the job folder's state
    file records them); :class:`UsageError` for a job not processed on Lambda."""
    from .runner import BACKEND, STATE_NAME

    if job.manifest.backend != BACKEND:
        raise UsageError(
            f"{job.job_dir}: processed on this machine, not on AWS Lambda; only a Lambda "
            "job's page can be published (its stills and GIFs are in the results bucket)"
        )
    try:
        state = json.loads(read_recorded_file(job.job_dir, STATE_NAME, limit=_STATE_BYTES))
    except (UnsafeFileError, ValueError) as exc:
        raise UsageError(f"{job.job_dir}: no record of the job on AWS ({exc})") from None
    job_id = state.get("cloud_job") if isinstance(state, dict) else None
    if not isinstance(job_id, str) or not JOB_ID_RE.match(job_id):
        raise UsageError(f"{job.job_dir / STATE_NAME}: names no job on AWS")
    stack = state.get("stack")
    return job_id, stack if isinstance(stack, str) and stack else None


def _listing(s3: Any, bucket: str, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.update(item["Key"] for item in page.get("Contents") or [])
    return keys


def publish_page(
    job: ExportJob,
    s3: Any,
    bucket: str,
    hours: float,
    steps: Steps,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Published:
    """Put ``job``'s page in ``bucket`` and sign its links for ``hours``; blocking."""
    import botocore.exceptions

    from .aws import explain

    check_hours(hours)
    job_id, _stack = cloud_job_of(job)
    seconds = round(hours * 3600)
    try:
        present = _listing(s3, bucket, results_prefix(job_id))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise explain(exc, f"reading the results of job {job_id}") from None
    if not present:
        raise UsageError(
            f"{job.job_dir}: the results bucket {bucket} holds nothing of job {job_id} "
            "(removed after their retention time, or another stack?)"
        )
    pictures = [f.path for f in job.frames()] + [str(s.gif) for s in job.done_snippets()]
    missing = [p for p in pictures if result_key(job_id, p) not in present]
    page_files = {*PAGE_FILES, PAGE}

    def key_of(relpath: str) -> str:
        if relpath in page_files or relpath.startswith(f"{SPRITES_DIR}/"):
            return result_key(job_id, f"{WEB_DIR}/{relpath}")
        if result_key(job_id, relpath) in present:
            return result_key(job_id, relpath)
        return result_key(job_id, f"{WEB_DIR}/files/{relpath}")

    def locate(relpath: str) -> str:
        try:
            return s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key_of(relpath)}, ExpiresIn=seconds
            )
        except botocore.exceptions.BotoCoreError as exc:  # e.g. no credentials to sign with
            raise explain(exc, "signing the page's links") from None

    expires = now() + timedelta(seconds=seconds)
    with tempfile.TemporaryDirectory(prefix="framefan-publish-") as scratch:
        folder = Path(scratch)
        write_page(job, folder, steps.part(0.0, 0.4), locate)
        sends: list[tuple[str, Callable[[], bytes]]] = [
            (relpath, lambda p=relpath: _page_file(folder, p))
            for relpath in [*PAGE_FILES, *_sprite_files(folder)]
        ]
        sends += [(relpath, lambda p=relpath: _job_file(job, p)) for relpath in missing]
        sends.append((PAGE, lambda: _page_file(folder, PAGE)))  # last: all it names is there
        part = steps.part(0.4, 1.0)
        for done, (relpath, read) in enumerate(sends, 1):
            _put(s3, bucket, key_of(relpath), relpath, read())
            part.done(done / len(sends))
    return Published(locate(PAGE), key_of(PAGE), expires, len(sends), len(pictures) - len(missing))


def _sprite_files(folder: Path) -> list[str]:
    return sorted(f"{SPRITES_DIR}/{p.name}" for p in (folder / SPRITES_DIR).iterdir())


def _page_file(folder: Path, relpath: str) -> bytes:
    return (folder / relpath).read_bytes()


def _job_file(job: ExportJob, relpath: str) -> bytes:
    try:
        return read_recorded_file(job.job_dir, relpath, limit=MAX_GIF_BYTES)
    except UnsafeFileError as exc:
        raise FrameFanError(f"cannot publish: {exc}") from None


def _put(s3: Any, bucket: str, key: str, relpath: str, data: bytes) -> None:
    import botocore.exceptions

    from .aws import explain

    suffix = Path(relpath).suffix.lower()
    kind = _TYPES.get(suffix) or mimetypes.guess_type(relpath)[0] or "application/octet-stream"
    extra: dict[str, str] = {}
    if relpath == PAGE:
        # The links make most of the page; compressed, a long job's page loads in a moment.
        data, extra["ContentEncoding"] = gzip.compress(data, mtime=0), "gzip"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=kind, **extra)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise explain(exc, f"publishing {relpath}") from None
