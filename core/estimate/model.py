"""Local time, cloud time and cloud cost of one job, and the faster backend.

Local: the job's snippets scheduled on the local backend's workers, each taking what the
calibration measured for its length, plus the probe (timed, not guessed).

Cloud: upload (file size at the uplink) + start (the upload event, the snippets function's
probe and fan-out) + render (rounds of the stack's concurrency, each snippet taking the
calibrated time on a Lambda of the stack's memory, plus each invocation's overhead) while
results download. AWS's CPUs are taken to be as fast per core as this machine's, and a
Lambda's vCPUs (one per 1,769 MB) to speed one render up less than linearly: stated
assumptions, measured where the emulator can show them (bench/estimate_accuracy.py).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import asdict, dataclass, field

from ..plan import Snippet, frame_indices, plan
from ..probe import MediaInfo
from ..settings import Settings
from .calibrate import Calibration
from .prices import PRICES, PriceTable

MB_PER_VCPU = 1769
DEFAULT_MEMORY_MB = 3008
DEFAULT_STORAGE_MB = 2048
# Renders at once when the stack reserves no concurrency: a fair share of an account's
# default quota of 1,000 (new accounts may have 10: pass --concurrency).
DEFAULT_CONCURRENCY = 100
DEFAULT_UPLINK_MBPS = 20.0
DOWNLINK_FACTOR = 4.0  # downloads are taken to be this much faster than the uplink
START_SECONDS = 4.0  # upload event, the snippets function's start and probe
FANOUT_SECONDS_PER_SNIPPET = 0.005
INVOCATION_OVERHEAD = 1.5  # a render's start, its presigned reads, its uploads
SNIPPETS_FUNCTION_SECONDS = 5.0
SNIPPETS_FUNCTION_GB = 1.0
PART_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class CloudCapacity:
    concurrency: int = DEFAULT_CONCURRENCY
    memory_mb: int = DEFAULT_MEMORY_MB
    storage_mb: int = DEFAULT_STORAGE_MB
    concurrency_assumed: bool = True

    @property
    def speedup(self) -> float:
        """How much faster one render runs on the function than on one core here."""
        vcpus = self.memory_mb / MB_PER_VCPU
        return max(0.25, 1 + 0.6 * (vcpus - 1)) if vcpus >= 1 else vcpus


@dataclass(frozen=True)
class Estimate:
    name: str
    duration: float
    snippets: int
    size_bytes: int
    local_seconds: float
    cloud_seconds: float
    cloud_parts: dict[str, float]  # upload, start, render, download (seconds)
    cost_usd: float
    cost_parts: dict[str, float]
    uplink_mbps: float
    uplink_source: str  # given, measured or assumed
    calibration_cached: bool
    prices: PriceTable = field(default=PRICES)

    @property
    def faster(self) -> str:
        return "lambda" if self.cloud_seconds < self.local_seconds else "local"

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["faster"] = self.faster
        data["prices"] = {"region": self.prices.region, "date": self.prices.date}
        return data


def local_seconds(snippets: list[Snippet], calibration: Calibration, workers: int) -> float:
    """The local backend's time: snippets in order on ``workers`` slots."""
    slots = [0.0] * max(1, workers)
    for snippet in snippets:
        start = heapq.heappop(slots)
        heapq.heappush(slots, start + calibration.snippet_seconds(snippet.duration))
    return max(slots)


def estimate(
    name: str,
    info: MediaInfo,
    size_bytes: int,
    settings: Settings,
    calibration: Calibration,
    *,
    workers: int,
    probe_seconds: float,
    uplink_mbps: float | None,
    uplink_source: str,
    capacity: CloudCapacity,
    prices: PriceTable = PRICES,
) -> Estimate:
    snippets = plan(info.duration, settings)
    n = len(snippets)
    local = probe_seconds + local_seconds(snippets, calibration, workers)

    uplink = uplink_mbps or DEFAULT_UPLINK_MBPS
    upload = size_bytes * 8 / (uplink * 1e6)
    start = START_SECONDS + FANOUT_SECONDS_PER_SNIPPET * n
    longest = max(s.duration for s in snippets)
    per_render = calibration.snippet_seconds(longest) / capacity.speedup + INVOCATION_OVERHEAD
    rounds = math.ceil(n / max(1, capacity.concurrency))
    render = rounds * per_render
    stills = len(frame_indices(0.0, info.duration, settings))
    out_bytes = calibration.gif_bytes_per_second * info.duration + stills * calibration.still_bytes
    download = out_bytes * 8 / (uplink * DOWNLINK_FACTOR * 1e6)
    cloud = upload + start + max(render, download)

    busy = sum(
        calibration.snippet_seconds(s.duration) / capacity.speedup + INVOCATION_OVERHEAD
        for s in snippets
    )
    gb = capacity.memory_mb / 1024
    extra_storage = max(0, capacity.storage_mb - 512) / 1024
    compute = busy * gb * prices.lambda_gb_second + busy * extra_storage * (
        prices.lambda_storage_gb_second
    )
    compute += SNIPPETS_FUNCTION_SECONDS * SNIPPETS_FUNCTION_GB * prices.lambda_gb_second
    requests = (n + 1) * prices.lambda_request + n * prices.event
    puts = math.ceil(size_bytes / PART_BYTES) + 2 + n * 2 + stills  # parts, outputs, records
    gets = (n + stills) + n * 4 + 100  # downloads, the renders' ranged reads, polling
    storage = size_bytes / 1e9 * prices.s3_gb_month * 7 / 30  # the upload, kept 7 days
    s3 = puts * prices.s3_put + gets * prices.s3_get + storage
    transfer = out_bytes / 1e9 * prices.transfer_out_gb
    cost_parts = {
        "lambda_compute": compute,
        "lambda_requests_and_events": requests,
        "s3_requests_and_storage": s3,
        "transfer_out": transfer,
    }
    return Estimate(
        name=name,
        duration=info.duration,
        snippets=n,
        size_bytes=size_bytes,
        local_seconds=round(local, 2),
        cloud_seconds=round(cloud, 2),
        cloud_parts={
            "upload": round(upload, 2),
            "start": round(start, 2),
            "render": round(render, 2),
            "download": round(download, 2),
        },
        cost_usd=round(sum(cost_parts.values()), 5),
        cost_parts={k: round(v, 5) for k, v in cost_parts.items()},
        uplink_mbps=round(uplink, 2),
        uplink_source=uplink_source if uplink_mbps else "assumed",
        calibration_cached=calibration.cached,
        prices=prices,
    )
