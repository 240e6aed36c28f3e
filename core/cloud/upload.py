"""Uploading a video to S3 as a multipart upload that can be resumed.

The part size is a pure function of the file size, so a second attempt cuts the file the
same way: it finds the unfinished upload of the same key, keeps every part S3 already holds
whose MD5 matches the local bytes, and sends only the rest. Blocking; run it in a thread.
``stop`` (a :class:`threading.Event`) ends it between parts, or within one when a rate
``limit`` paces it, leaving the upload resumable (the uploads bucket aborts unfinished
uploads after a day).
"""

from __future__ import annotations

import base64
import hashlib
import math
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .throttle import LimitedBody, RateLimit, UploadStopped

MIB = 1024 * 1024
MIN_PART_SIZE = 8 * MIB
MAX_PARTS = 10_000


@dataclass(frozen=True)
class UploadResult:
    etag: str
    parts: int
    reused_parts: int  # parts an earlier, interrupted attempt had already sent


def part_size_for(size: int, minimum: int = MIN_PART_SIZE) -> int:
    """Parts of at least ``minimum`` bytes, whole MiB, few enough for S3's 10,000 limit."""
    needed = math.ceil(size / MAX_PARTS)
    return max(minimum, math.ceil(needed / MIB) * MIB)


def upload_file(
    s3: Any,
    bucket: str,
    key: str,
    path: Path,
    metadata: dict[str, str],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    part_size: int | None = None,
    threads: int = 4,
    limit: RateLimit | None = None,
    on_read: Callable[[int], None] | None = None,
) -> UploadResult:
    size = path.stat().st_size
    part = part_size or part_size_for(size)
    count = max(1, math.ceil(size / part))
    stop = stop or threading.Event()
    upload_id, existing = _find_unfinished(s3, bucket, key)
    if upload_id is None:
        upload_id = s3.create_multipart_upload(
            Bucket=bucket, Key=key, Metadata=metadata, ContentType=_content_type(path)
        )["UploadId"]
    etags: dict[int, str] = {}
    sent = 0
    lock = threading.Lock()

    def progress(nbytes: int) -> None:
        nonlocal sent
        with lock:
            sent += nbytes
            current = sent
        if on_progress is not None:
            on_progress(current, size)

    def bounds(number: int) -> tuple[int, int]:
        start = (number - 1) * part
        return start, min(size, start + part) - start

    for number, (etag, length) in existing.items():
        if number > count:
            continue
        start, expected = bounds(number)
        if length == expected and etag.strip('"') == _md5(path, start, expected).hex():
            etags[number] = etag
    reused = len(etags)
    progress(sum(bounds(n)[1] for n in etags))

    def send(number: int) -> None:
        if stop.is_set():
            raise UploadStopped()
        start, length = bounds(number)
        with path.open("rb") as handle:
            handle.seek(start)
            body = handle.read(length)
        digest = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
        response = s3.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=LimitedBody(body, limit, stop, on_read),
            ContentLength=len(body),
            ContentMD5=digest,
        )
        etags[number] = response["ETag"]
        progress(length)

    todo = [n for n in range(1, count + 1) if n not in etags]
    with ThreadPoolExecutor(max(1, threads)) as pool:
        futures = [pool.submit(send, n) for n in todo]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failure = next((f.exception() for f in done if f.exception()), None)
        if failure is not None:
            stop.set()  # the parts not started yet give up at once
            raise failure
    if stop.is_set():
        raise UploadStopped()
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [{"ETag": etags[n], "PartNumber": n} for n in range(1, count + 1)]
        },
    )
    return UploadResult(str(result["ETag"]).strip('"'), count, reused)


def abort_unfinished(s3: Any, bucket: str, key: str) -> int:
    """Abort every unfinished multipart upload of ``key``; returns how many there were.

    An unfinished upload keeps the metadata (and so the run id) it was created with: one the
    desktop no longer knows about must not be completed under another run."""
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads") or []
    mine = [u for u in uploads if u.get("Key") == key]
    for upload in mine:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
    return len(mine)


def _find_unfinished(
    s3: Any, bucket: str, key: str
) -> tuple[str | None, dict[int, tuple[str, int]]]:
    """The most recent unfinished upload of ``key`` and its parts (number → ETag, size)."""
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads") or []
    mine = [u for u in uploads if u.get("Key") == key]
    if not mine:
        return None, {}
    latest = max(mine, key=lambda u: u["Initiated"])
    parts: dict[int, tuple[str, int]] = {}
    paginator = s3.get_paginator("list_parts")
    for page in paginator.paginate(Bucket=bucket, Key=key, UploadId=latest["UploadId"]):
        for item in page.get("Parts") or []:
            parts[int(item["PartNumber"])] = (str(item["ETag"]), int(item["Size"]))
    return str(latest["UploadId"]), parts


def _md5(path: Path, start: int, length: int) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(remaining, MIB))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.digest()


def _content_type(path: Path) -> str:
    return {
        ".mp4": "video/mp4",
        ".m4v": "video/mp4",
        ".mov": "video/quicktime",
        ".mkv": "video/x-matroska",
        ".webm": "video/webm",
        ".avi": "video/x-msvideo",
    }.get(path.suffix.lower(), "application/octet-stream")
