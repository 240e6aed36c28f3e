"""Local time, cloud time and cloud cost of one job, and the fastest way to run it.

Local: the job's snippets scheduled on the local backend's workers, each taking what the
calibration measured for its length (the first snippet, which needs no seek, apart), plus
the probe (timed, not guessed).

Cloud: the upload (the file at the uplink, or at the user's upload limit if lower), the
fixed latencies of the cloud path (:class:`CloudLatency`, part by part), the renders at
the stack's concurrency (each the calibrated time on a Lambda of the stack's memory, plus
its own overhead) and the downloads. With the whole file, rendering starts once it is all
uploaded; with segments, each snippet's render starts once its segment is up, so what is
left after the upload is about one render. AWS's CPUs are taken to be as fast per core as
this machine's, and a Lambda's vCPUs (one per 1,769 MB) to speed one render up less than
linearly: stated assumptions, measured where the emulator can show them
(bench/estimate_accuracy.py, bench/cloud_stream.py).

Hybrid: both at once, simulated: this machine takes snippets from the end as its workers
free up, the uplink sends segments from the start, until they meet.
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
SNIPPETS_MEMORY_MB = 1024  # the snippets function (template)
# Renders at once when the stack reserves no concurrency: a fair share of an account's
# default quota of 1,000 (new accounts may have 10: pass --concurrency).
DEFAULT_CONCURRENCY = 100
DEFAULT_UPLINK_MBPS = 20.0
DOWNLINK_FACTOR = 4.0  # downloads are taken to be this much faster than the uplink
SNIPPETS_FUNCTION_SECONDS = 5.0
SNIPPETS_FUNCTION_GB = 1.0
PART_BYTES = 8 * 1024 * 1024
# The probe reads the video's last seconds without decoding them (core.probe), but decodes
# a picture or two to name the pixel format.
PROBE_DECODED_PICTURES = 2
# Decoding is about this share of a render's time per second of video (the rest: scaling,
# palettes, encoding; docs/benchmarks.md, "Local processing throughput").
DECODE_SHARE = 0.65
# Segments start at the keyframe before their snippet and end a few pictures past it, but
# leave the audio home: about this much more than the file (30 s snippets, 1-2 s GOPs).
SEGMENT_OVERHEAD = 0.02
# Both at once only when that is clearly faster than the faster alone (it costs the
# cloud's share and the uplink for little gain otherwise).
HYBRID_GAIN = 0.9


@dataclass(frozen=True)
class CloudLatency:
    """What the cloud path spends besides uploading and rendering, part by part (seconds).

    The defaults are AWS's: documented figures where AWS gives them (S3 event
    notifications "typically in seconds"; a Lambda cold start "from under 100 ms to over
    1 second", more with a large layer), and this pipeline's own work otherwise. The
    emulator measures its own values of each part (bench/estimate_accuracy.py)."""

    s3_event: float = 1.0  # an object written → its function invoked
    cold_start: float = 1.5  # a function's first start (runtime, imports, ffmpeg layer)
    probe_open: float = 0.7  # the probe's HTTPS opens, header and tail reads (decoding apart)
    fanout_per_snippet: float = 0.01  # PutEvents, 10 events a call
    event_delivery: float = 0.5  # an event put → the process function invoked
    segment_check: float = 1.0  # a segment's checks: first bytes, probe of a small object
    invocation: float = 1.0  # a render's own work: presigned reads, outputs up, record
    result_poll: float = 1.0  # until the desktop sees a finished record (its polling)
    # The probe's few decoded pictures, on the snippets function's share of a vCPU: timed
    # from the calibration (False: it is part of probe_open, as measured).
    probe_decode: bool = True

    def whole_start(self, snippets: int, probe_decode: float) -> float:
        """Upload done → the first render starts, for a whole file."""
        return (
            self.s3_event
            + self.cold_start
            + self.probe_open
            + probe_decode
            + self.fanout_per_snippet * snippets
            + self.event_delivery
            + self.cold_start
        )

    def plan_start(self) -> float:
        """A plan put → the desktop knows it was taken (no probe: the desktop's is used)."""
        return self.s3_event + self.cold_start + self.result_poll

    def segment_start(self) -> float:
        """A segment uploaded → its render starts (functions warm after the first)."""
        return self.s3_event + self.segment_check + self.event_delivery


AWS_LATENCY = CloudLatency()


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
    uplink_source: str  # given, measured, limit or assumed
    calibration_cached: bool
    prices: PriceTable = field(default=PRICES)
    upload_mode: str = "whole"  # how the cloud gets the video: whole or segments
    first_preview_seconds: float = 0.0  # the cloud's first finished snippet
    hybrid_seconds: float | None = None  # both at once (segments only)
    hybrid_local_snippets: int | None = None  # of which this machine renders about this many

    @property
    def faster(self) -> str:
        return "lambda" if self.cloud_seconds < self.local_seconds else "local"

    @property
    def best(self) -> str:
        """``local``, ``lambda`` or ``hybrid`` (both at once, when clearly faster)."""
        alone = min(self.local_seconds, self.cloud_seconds)
        if self.hybrid_seconds is not None and self.hybrid_seconds < HYBRID_GAIN * alone:
            return "hybrid"
        return self.faster

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["faster"] = self.faster
        data["best"] = self.best
        data["prices"] = {"region": self.prices.region, "date": self.prices.date}
        return data


def local_seconds(snippets: list[Snippet], calibration: Calibration, workers: int) -> float:
    """The local backend's time: snippets in order on ``workers`` slots."""
    slots = [0.0] * max(1, workers)
    for snippet in snippets:
        start = heapq.heappop(slots)
        took = calibration.snippet_seconds(snippet.duration, first=snippet.index == 0)
        heapq.heappush(slots, start + took)
    return max(slots)


@dataclass(frozen=True)
class _Cloud:
    """What the cloud side needs to be timed: per-render time and bytes per snippet."""

    per_render: float
    concurrency: int
    uplink_bps: float  # bits per second
    downlink_bps: float
    snippet_bytes: list[float]  # bytes sent for each snippet's segment
    out_bytes: list[float]  # bytes downloaded for each snippet


def _segments_timeline(
    cloud: _Cloud, latency: CloudLatency, order: list[int], began: float
) -> dict[int, float]:
    """When each snippet of ``order`` is done (seen by the desktop), its segments sent one
    after another from ``began`` and rendered at the stack's concurrency."""
    slots = [0.0] * max(1, min(cloud.concurrency, len(order) or 1))
    done: dict[int, float] = {}
    sent = began
    for index in order:
        sent += cloud.snippet_bytes[index] * 8 / cloud.uplink_bps
        start = max(sent + latency.segment_start(), heapq.heappop(slots))
        end = start + cloud.per_render
        heapq.heappush(slots, end)
        done[index] = end + latency.result_poll + cloud.out_bytes[index] * 8 / cloud.downlink_bps
    return done


def _hybrid(
    cloud: _Cloud,
    latency: CloudLatency,
    snippets: list[Snippet],
    calibration: Calibration,
    workers: int,
    began: float,
) -> tuple[float, int]:
    """Both at once, once the plan is taken: the uplink takes snippets from the start, the
    workers from the end; returns the time and how many snippets this machine renders."""
    next_upload = began + latency.plan_start()
    free = [next_upload] * max(1, workers)
    low, high = 0, len(snippets) - 1
    ends: list[float] = []
    slots = [0.0] * max(1, cloud.concurrency)
    local = 0
    while low <= high:
        if next_upload <= free[0]:
            next_upload += cloud.snippet_bytes[low] * 8 / cloud.uplink_bps
            start = max(next_upload + latency.segment_start(), heapq.heappop(slots))
            heapq.heappush(slots, start + cloud.per_render)
            ends.append(start + cloud.per_render + latency.result_poll)
            low += 1
        else:
            start = heapq.heappop(free)
            took = calibration.snippet_seconds(snippets[high].duration, first=high == 0)
            heapq.heappush(free, start + took)
            ends.append(start + took)
            high -= 1
            local += 1
    return max(ends), local


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
    segments: bool = False,
    upload_limit_mbps: float | None = None,
    latency: CloudLatency = AWS_LATENCY,
) -> Estimate:
    """Estimate one job; ``segments`` when the video would be sent as segments."""
    snippets = plan(info.duration, settings)
    n = len(snippets)
    local = probe_seconds + local_seconds(snippets, calibration, workers)

    uplink = uplink_mbps or DEFAULT_UPLINK_MBPS
    source = uplink_source if uplink_mbps else "assumed"
    if upload_limit_mbps and upload_limit_mbps < uplink:
        uplink, source = upload_limit_mbps, "limit"
    longest = max(s.duration for s in snippets)
    per_render = calibration.snippet_seconds(longest) / capacity.speedup + latency.invocation
    stills = len(frame_indices(0.0, info.duration, settings))
    out_bytes = calibration.gif_bytes_per_second * info.duration + stills * calibration.still_bytes
    share = [s.duration / info.duration for s in snippets]
    cloud = _Cloud(
        per_render=per_render,
        concurrency=max(1, capacity.concurrency),
        uplink_bps=uplink * 1e6,
        downlink_bps=uplink * DOWNLINK_FACTOR * 1e6,
        snippet_bytes=[size_bytes * (1 + SEGMENT_OVERHEAD) * p for p in share],
        out_bytes=[out_bytes * p for p in share],
    )
    hybrid = None
    if segments:
        timeline = _segments_timeline(cloud, latency, list(range(n)), latency.plan_start())
        total = max(timeline.values())
        upload = sum(cloud.snippet_bytes) * 8 / cloud.uplink_bps
        fixed = latency.plan_start() + latency.segment_start() + latency.result_poll
        download = cloud.out_bytes[-1] * 8 / cloud.downlink_bps
        parts = {
            "upload": upload,
            "start": fixed,
            "render": max(0.0, total - upload - fixed - download),
            "download": download,
        }
        first = timeline[0]
        hybrid = _hybrid(cloud, latency, snippets, calibration, workers, probe_seconds)
        total += probe_seconds  # the desktop probes before it plans
        first += probe_seconds
    else:
        upload = size_bytes * 8 / cloud.uplink_bps
        picture = 1 / info.fps if info.fps > 0 else 0.04
        probe_decode = (
            PROBE_DECODED_PICTURES
            * picture
            * calibration.per_second
            / (SNIPPETS_MEMORY_MB / MB_PER_VCPU)
        )
        start = latency.whole_start(n, probe_decode) + latency.result_poll
        render = math.ceil(n / cloud.concurrency) * per_render
        download = out_bytes * 8 / cloud.downlink_bps
        parts = {"upload": upload, "start": start, "render": render, "download": download}
        total = upload + start + max(render, download)
        first = upload + start + per_render + cloud.out_bytes[0] * 8 / cloud.downlink_bps
    cost, cost_parts = _cost(snippets, calibration, capacity, prices, size_bytes, out_bytes, stills)
    return Estimate(
        name=name,
        duration=info.duration,
        snippets=n,
        size_bytes=size_bytes,
        local_seconds=round(local, 2),
        cloud_seconds=round(total, 2),
        cloud_parts={k: round(v, 2) for k, v in parts.items()},
        cost_usd=round(cost, 5),
        cost_parts={k: round(v, 5) for k, v in cost_parts.items()},
        uplink_mbps=round(uplink, 2),
        uplink_source=source,
        calibration_cached=calibration.cached,
        prices=prices,
        upload_mode="segments" if segments else "whole",
        first_preview_seconds=round(first, 2),
        hybrid_seconds=round(hybrid[0], 2) if hybrid else None,
        hybrid_local_snippets=hybrid[1] if hybrid else None,
    )


def _cost(
    snippets: list[Snippet],
    calibration: Calibration,
    capacity: CloudCapacity,
    prices: PriceTable,
    size_bytes: int,
    out_bytes: float,
    stills: int,
) -> tuple[float, dict[str, float]]:
    n = len(snippets)
    busy = sum(
        calibration.snippet_seconds(s.duration) / capacity.speedup + AWS_LATENCY.invocation
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
    parts = {
        "lambda_compute": compute,
        "lambda_requests_and_events": requests,
        "s3_requests_and_storage": s3,
        "transfer_out": transfer,
    }
    return sum(parts.values()), parts
