"""The job plan: what the desktop uploads instead of the video when it sends segments, or
when the video is already in S3.

``uploads/<job-id>/plan.json`` carries the job's settings and run id in its metadata, like a
video upload (:mod:`.metadata`), and one of two bodies:

* ``segments``: the video's name and the desktop's probe of it. The snippets function checks
  the whole job against the stack's limits from it before any segment is rendered, writes
  the manifest, and then takes each segment as it arrives (``segments/NNNNN.mov``): a
  segment is rendered only if its snippet is in the plan and the segment matches the probe.
* ``s3``: a video already in one of the stack's source buckets, by bucket, key and ETag.
  Only who can read the object knows its ETag, so the functions (which can read every
  object of those buckets) render only what the editor could read.

The body is a pure function of the job, so uploading the plan again gives the same ETag,
which is the fingerprint of the job's results (as the ETag of an uploaded video is).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import MISSING, dataclass, fields
from typing import Any

from ..input_safety import ALLOWED_DEMUXERS, has_video_extension
from ..probe import MediaInfo

PLAN_VERSION = 1
SEGMENTS, S3 = "segments", "s3"
MAX_PLAN_BYTES = 64 * 1024
# S3's rules for bucket names (the common subset), and a key without control characters.
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class PlanError(ValueError):
    """A plan that cannot be taken; the message completes "<name>: "."""


@dataclass(frozen=True)
class JobPlan:
    kind: str  # SEGMENTS or S3
    name: str  # the video's file name
    media: MediaInfo | None = None  # SEGMENTS: the desktop's probe of the whole video
    bucket: str = ""  # S3: where the video is
    key: str = ""
    etag: str = ""

    def to_json(self) -> bytes:
        data: dict[str, Any] = {"version": PLAN_VERSION, "kind": self.kind, "name": self.name}
        if self.kind == SEGMENTS and self.media is not None:
            data["media"] = self.media.to_dict()
        if self.kind == S3:
            data["source"] = {"bucket": self.bucket, "key": self.key, "etag": self.etag}
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> JobPlan:
        if len(raw) > MAX_PLAN_BYTES:
            raise PlanError(f"the job plan is larger than {MAX_PLAN_BYTES // 1024} KB")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise PlanError("the job plan is not JSON") from None
        if not isinstance(data, dict) or data.get("version") != PLAN_VERSION:
            raise PlanError("not a job plan of this version")
        kind, name = data.get("kind"), data.get("name")
        if not isinstance(name, str) or not has_video_extension(name) or "/" in name:
            raise PlanError("the job plan does not name a video file")
        if kind == SEGMENTS:
            return cls(SEGMENTS, name, media=media_from_dict(data.get("media")))
        if kind == S3:
            source = data.get("source")
            if not isinstance(source, dict):
                raise PlanError("the job plan names no source object")
            bucket, key, etag = (str(source.get(k) or "") for k in ("bucket", "key", "etag"))
            if not valid_bucket(bucket) or not valid_key(key) or not etag:
                raise PlanError("the job plan's source object is not a valid bucket, key and ETag")
            return cls(S3, name, bucket=bucket, key=key, etag=etag)
        raise PlanError(f"unknown kind of job plan {kind!r}")


def valid_bucket(name: str) -> bool:
    return bool(_BUCKET_RE.match(name))


def valid_key(key: str) -> bool:
    return 0 < len(key.encode("utf-8")) <= 1024 and not any(ord(c) < 32 for c in key)


def media_from_dict(data: Any) -> MediaInfo:
    """A :class:`MediaInfo` from JSON, checked field by field (raises :class:`PlanError`).

    Fields a newer writer added are ignored; fields with defaults may be missing."""
    if not isinstance(data, dict):
        raise PlanError("the job plan has no description of the video")
    values: dict[str, Any] = {}
    for f in fields(MediaInfo):
        if f.name not in data:
            if f.default is not MISSING:  # added later, with a default
                continue
            raise PlanError(f"the video's description lacks {f.name}")
        value = data[f.name]
        if value is None and f.default is None:  # optional (``str | None``), not known
            values[f.name] = None
            continue
        kind = {"int": int, "float": float, "str": str, "bool": bool}[str(f.type).split(" |")[0]]
        if kind is not str and (isinstance(value, str) or value is None):
            raise PlanError(f"the video's {f.name} is not a number")
        try:
            values[f.name] = kind(value)
        except (TypeError, ValueError):
            raise PlanError(f"the video's {f.name} is not valid") from None
    try:
        media = MediaInfo(**values)
    except TypeError as exc:
        raise PlanError(f"the video's description is incomplete ({exc})") from None
    numbers = (media.duration, media.fps, media.start)
    if not all(math.isfinite(v) for v in numbers) or media.duration <= 0 or media.fps < 0:
        raise PlanError("the video's duration or frame rate is not valid")
    if min(media.width, media.height, media.coded_width, media.coded_height) <= 0:
        raise PlanError("the video's picture size is not valid")
    if media.demuxer not in ALLOWED_DEMUXERS or not media.has_video:
        raise PlanError(f"container {media.demuxer!r} is not allowed")
    if media.rotation not in (0, 90, 180, 270) or media.stream_index < 0:
        raise PlanError("the video's rotation or stream is not valid")
    return media
