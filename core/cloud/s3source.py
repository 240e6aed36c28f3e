"""Videos already in S3: ``s3://BUCKET/KEY`` as an input, and browsing a bucket for them
(boto3 is imported only when a bucket is read).

Processing a video in place needs no upload: the desktop reads the object's ETag (which
needs the editor's own read access) and sends a job plan naming it (:mod:`.jobplan`); the
functions read the object if its bucket is one of the stack's ``SourceBuckets``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import InputRejectedError
from ..input_safety import VIDEO_EXTENSIONS, has_video_extension
from .jobplan import valid_bucket, valid_key

if TYPE_CHECKING:  # the AWS SDK is imported only when S3 is used
    from .stack import CloudTarget

SCHEME = "s3://"
MAX_LISTED = 2000  # objects listed per folder (a bigger folder says so)


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def uri(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.key}"


def is_s3_uri(text: object) -> bool:
    return isinstance(text, str) and text.startswith(SCHEME)


def parse_s3_uri(text: str) -> S3Object:
    """``s3://BUCKET/KEY`` as an :class:`S3Object`; :class:`InputRejectedError` if it is not
    one, or names no video file."""
    bucket, _, key = text[len(SCHEME) :].partition("/")
    if not is_s3_uri(text) or not valid_bucket(bucket) or not valid_key(key):
        raise InputRejectedError(text, "not an S3 object address (s3://BUCKET/KEY)")
    found = S3Object(bucket, key)
    if key.endswith("/") or not has_video_extension(found.name):
        allowed = ", ".join(sorted(VIDEO_EXTENSIONS))
        raise InputRejectedError(text, f"not a video file name (allowed: {allowed})")
    return found


@dataclass(frozen=True)
class S3Video:
    key: str
    size: int
    modified: datetime | None


@dataclass(frozen=True)
class Folder:
    """One level of a bucket: the folders (prefixes) under ``prefix`` and its videos."""

    bucket: str
    prefix: str
    folders: list[str]
    videos: list[S3Video]
    truncated: bool  # more than MAX_LISTED objects: not all are shown


def list_folder(s3: Any, bucket: str, prefix: str = "") -> Folder:
    """List one level of ``bucket`` under ``prefix`` (blocking; raises the SDK's errors)."""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    folders: list[str] = []
    videos: list[S3Video] = []
    seen = 0
    truncated = False
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        folders += [p["Prefix"] for p in page.get("CommonPrefixes") or []]
        for item in page.get("Contents") or []:
            seen += 1
            if has_video_extension(item["Key"]) and not item["Key"].endswith("/"):
                videos.append(
                    S3Video(item["Key"], int(item.get("Size") or 0), item.get("LastModified"))
                )
        if seen + len(folders) >= MAX_LISTED:
            truncated = bool(page.get("IsTruncated"))
            break
    return Folder(bucket, prefix, sorted(folders), sorted(videos, key=lambda v: v.key), truncated)


def browse(target: CloudTarget, bucket: str, prefix: str = "") -> Folder:
    """List one level of ``bucket`` with the credentials of ``target`` (blocking); a
    :class:`CloudError` saying what to do when it cannot."""
    from .aws import CloudError, explain, make_client, make_session

    if not valid_bucket(bucket):
        raise CloudError(f"{bucket!r} is not a bucket name")
    where = f"s3://{bucket}/{prefix}"
    try:
        s3 = make_client(make_session(target.profile, target.region), "s3")
        return list_folder(s3, bucket, prefix)
    except CloudError:
        raise
    except Exception as exc:
        raise explain(exc, f"listing {where}", target.profile) from None


def source_buckets(target: CloudTarget) -> tuple[str, ...]:
    """The buckets the stack may read in place (blocking; none when it cannot be read)."""
    from .stack import connect

    try:
        return connect(target).resources.source_buckets
    except Exception:
        return ()
