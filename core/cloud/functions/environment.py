"""What a function reads from its environment (set by infra/template.yaml), and its clients."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3

from ...ffmpeg_locator import ENV_VAR, require_ffmpeg
from ..aws import client_config
from ..limits import CloudLimits
from ..runs import DEFAULT_STALL

log = logging.getLogger("framefan")

# Kept between invocations of a warm function, like the clients below.
_clients: dict[tuple[str, str | None], Any] = {}


@dataclass(frozen=True)
class FunctionEnv:
    uploads_bucket: str
    results_bucket: str
    event_bus: str = ""
    max_duration: float = 43200.0
    probe_timeout: float = 120.0
    render_timeout: float = 600.0
    presign_seconds: int = 3600
    put_events_attempts: int = 5
    # Where presigned URLs handed to ffmpeg point; unset on AWS (the regional S3 endpoint).
    media_endpoint: str | None = None
    limits: CloudLimits = field(default_factory=CloudLimits)
    run_stall: float = DEFAULT_STALL
    upload_days: int = 7
    ffmpeg_path: str = ""
    # Buckets whose videos the functions may read in place (SourceBuckets), read-only.
    source_buckets: tuple[str, ...] = ()

    def ffmpeg(self) -> str:
        """The ffmpeg the template installs (``FRAMEFAN_FFMPEG``), and no other."""
        return require_ffmpeg(self.ffmpeg_path, f"{ENV_VAR}; is the ffmpeg layer attached?")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> FunctionEnv:
        env = os.environ if environ is None else environ
        return cls(
            uploads_bucket=env["UPLOADS_BUCKET"],
            results_bucket=env["RESULTS_BUCKET"],
            event_bus=env.get("EVENT_BUS_NAME", ""),
            max_duration=float(env.get("MAX_DURATION_SECONDS", 43200)),
            probe_timeout=float(env.get("PROBE_TIMEOUT_SECONDS", 120)),
            render_timeout=float(env.get("RENDER_TIMEOUT_SECONDS", 600)),
            presign_seconds=int(env.get("PRESIGN_SECONDS", 3600)),
            put_events_attempts=int(env.get("PUT_EVENTS_ATTEMPTS", 5)),
            media_endpoint=env.get("FRAMEFAN_MEDIA_ENDPOINT_URL") or None,
            limits=CloudLimits.from_environ(env),
            run_stall=float(env.get("RUN_STALL_SECONDS", DEFAULT_STALL)),
            upload_days=int(float(env.get("UPLOAD_RETENTION_DAYS", 7))),
            ffmpeg_path=env.get(ENV_VAR, ""),
            source_buckets=tuple(b for b in env.get("SOURCE_BUCKETS", "").split(",") if b),
        )

    def readable(self, bucket: str) -> bool:
        """Whether a snippet's source may be read from ``bucket``."""
        return bucket == self.uploads_bucket or bucket in self.source_buckets


def client(service: str, endpoint_url: str | None = None) -> Any:
    key = (service, endpoint_url)
    if key not in _clients:
        config = client_config(signature_version="s3v4") if service == "s3" else client_config()
        _clients[key] = boto3.client(service, endpoint_url=endpoint_url, config=config)
    return _clients[key]


def presigned_get(env: FunctionEnv, key: str, bucket: str = "") -> str:
    """A short-lived https URL ffmpeg can read the source object from (in the uploads
    bucket, unless another ``bucket`` is given)."""
    s3 = client("s3", env.media_endpoint)
    return str(
        s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": bucket or env.uploads_bucket, "Key": key},
            ExpiresIn=env.presign_seconds,
        )
    )


def time_left(context: Any, default: float) -> float:
    """Seconds this invocation may still run (minus a margin to write its record)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return default
    return max(1.0, getter() / 1000 - 15)


def setup_logging() -> None:
    log.setLevel(logging.INFO)
    if not logging.getLogger().handlers:  # the Lambda runtime installs one; elsewhere add one
        logging.basicConfig(format="%(levelname)s %(message)s")


def redact(message: str, url: str, name: str) -> str:
    """``message`` without the presigned URL (its signature is a credential for a while)."""
    return message.replace(url, name) if url else message
