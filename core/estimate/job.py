"""Estimating one input end to end: probe it, calibrate on it, and model both backends."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any

from ..cloud.segments import AUTO, CUTTABLE, WHOLE
from ..errors import InputRejectedError
from ..input_safety import as_source
from ..probe import probe
from ..settings import Settings
from .calibrate import calibrate
from .model import (
    AWS_LATENCY,
    DEFAULT_CONCURRENCY,
    CloudCapacity,
    CloudLatency,
    Estimate,
    estimate,
)
from .network import last_uplink


def capacity_from_stack(resources: Any | None, concurrency: int | None = None) -> CloudCapacity:
    """The render capacity a stack declares in its ``JobLimits`` output (template defaults
    without one), with ``concurrency`` given by the user overriding it."""
    capacity = CloudCapacity()
    if resources is not None:
        reserved = resources.setting("ProcessConcurrency")
        memory = resources.setting("ProcessMemoryMB")
        if memory:
            capacity = replace(capacity, memory_mb=int(memory))
        if reserved:
            capacity = replace(capacity, concurrency=int(reserved), concurrency_assumed=False)
    if concurrency:
        capacity = replace(capacity, concurrency=concurrency, concurrency_assumed=False)
    if capacity.concurrency <= 0:
        capacity = replace(capacity, concurrency=DEFAULT_CONCURRENCY)
    return capacity


async def estimate_input(
    path: str | os.PathLike[str],
    settings: Settings,
    *,
    workers: int,
    capacity: CloudCapacity,
    uplink_mbps: float | None = None,
    ffmpeg: str | None = None,
    upload_limit_mbps: float | None = None,
    upload: str = AUTO,
    latency: CloudLatency = AWS_LATENCY,
) -> Estimate:
    """Probe and calibrate (raises what the probe raises for a bad input). The cloud is
    timed with segments when ``upload`` allows them and the video's container can be cut."""
    if str(path).startswith("s3://"):
        raise InputRejectedError(
            str(path),
            "a video in S3 cannot be estimated here (the estimate renders a little "
            "of it on this computer); it is processed on AWS",
        )
    source = as_source(path)
    began = time.perf_counter()
    info = await probe(source, ffmpeg=ffmpeg)
    probe_seconds = time.perf_counter() - began
    calibration = await calibrate(source, info, settings, workers, ffmpeg)
    measured = last_uplink()
    uplink = uplink_mbps or measured
    assert source.local_path is not None
    return estimate(
        source.name,
        info,
        source.local_path.stat().st_size,
        settings,
        calibration,
        workers=workers,
        probe_seconds=probe_seconds,
        uplink_mbps=uplink,
        uplink_source="given" if uplink_mbps else "measured",
        capacity=capacity,
        segments=upload != WHOLE and info.demuxer in CUTTABLE,
        upload_limit_mbps=upload_limit_mbps,
        latency=latency,
    )
