"""The "Automatic" backend: each job runs where ``framefan estimate`` finds it faster:
on this computer, on AWS, or on both at once (``hybrid``).

The choice is made when the job starts (blocking: it probes and, the first time for a kind
of video, calibrates; run it in a worker thread), from the local backend's and the AWS
backend's own settings. Without a stack name, or when the estimate fails, the job runs
locally; a video already in S3 runs on AWS.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from core.cloud.s3source import is_s3_uri
from core.errors import FrameFanError
from core.estimate.job import capacity_from_stack, estimate_input
from core.estimate.model import Estimate
from core.settings import Settings

log = logging.getLogger(__name__)


def estimate_job(
    source: str, processing: Settings, local: Mapping[str, Any], cloud: Mapping[str, Any]
) -> Estimate | None:
    """The estimate of one job (blocking), or None when it cannot be made."""
    resources = None
    if cloud.get("stack"):
        from core.cloud.stack import CloudTarget, connect

        try:
            target = CloudTarget(
                str(cloud["stack"]), cloud.get("profile") or None, cloud.get("region") or None
            )
            resources = connect(target).resources
        except Exception as exc:  # no network, no credentials: estimate with the defaults
            log.info("estimating without the stack: %s", exc)
    try:
        return asyncio.run(
            estimate_input(
                source,
                processing,
                workers=int(local.get("workers") or 1),
                capacity=capacity_from_stack(resources),
                upload_limit_mbps=float(cloud.get("upload_limit_mbps") or 0) or None,
                upload=str(cloud.get("upload") or "auto"),
            )
        )
    except (FrameFanError, OSError) as exc:
        log.info("no estimate for %s: %s", source, exc)
        return None


def choose(
    source: str, processing: Settings, local: Mapping[str, Any], cloud: Mapping[str, Any]
) -> str:
    """``local``, ``lambda`` or ``hybrid``: how this job finishes soonest (blocking)."""
    if is_s3_uri(source):
        return "lambda"
    if not cloud.get("stack"):
        return "local"
    found = estimate_job(source, processing, local, cloud)
    return found.best if found is not None else "local"
