"""How close `framefan estimate` comes: estimated against measured local time on three
clips of different codecs and sizes (target: within ±25 %), and the cloud estimate's parts
against what `framefan cloud-sim` measures for them, in one run.

The machine is shared: each estimate (with a fresh calibration) and the job it estimates
run back to back, in alternating order over the rounds, so both see about the same load;
the load average is printed with every figure, and the median error over the rounds is the
result.

The emulator's "Lambda" is this machine: the cloud part compares each part of the model's
start (S3 event, function start, probe and fan-out, event delivery, a render's own
overhead, the desktop's polling) with what the emulator measures for it, next to AWS's
figures, and checks that the parts, measured, add up to the emulator's total.

usage: .venv/bin/python bench/estimate_accuracy.py [--seconds 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.cloud.follow import Polling  # noqa: E402
from core.cloud.runner import LambdaRunner  # noqa: E402
from core.cloud.sim.emulator import CloudSim  # noqa: E402
from core.cloud.sim.template import default_template  # noqa: E402
from core.cloud.stack import CloudTarget  # noqa: E402
from core.estimate.job import estimate_input  # noqa: E402
from core.estimate.model import AWS_LATENCY, CloudCapacity, CloudLatency  # noqa: E402
from core.events import JobEvent, SnippetFinished, UploadProgress  # noqa: E402
from core.ffmpeg_locator import find_ffmpeg  # noqa: E402
from core.manifest import DONE  # noqa: E402
from core.runner import LocalRunner, default_workers  # noqa: E402
from core.settings import Settings  # noqa: E402

CACHE = ROOT / ".bench-cache"
CLIPS = {  # name: (size, rate, codec arguments)
    "h264-720p": ("1280x720", 30, ["-c:v", "libx264", "-preset", "veryfast", "-g", "60"]),
    "hevc-1080p": ("1920x1080", 25, ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                                     "log-level=error"]),
    "mpeg4-480p": ("854x480", 30, ["-c:v", "mpeg4", "-q:v", "4"]),
}  # fmt: skip


def clip(name: str, seconds: int) -> Path:
    size, rate, codec = CLIPS[name]
    path = CACHE / f"estimate-{name}-{seconds}s.mp4"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             f"testsrc2=d={seconds}:s={size}:r={rate},noise=alls=15:allf=t", *codec,
             "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )  # fmt: skip
    return path


def load() -> float:
    return os.getloadavg()[0]


def fresh_cache(scratch: Path) -> None:
    """A new, empty calibration cache: every estimate measures again."""
    folder = scratch / f"cache-{time.monotonic_ns()}"
    os.environ["FRAMEFAN_CACHE_DIR"] = str(folder)


def estimate_pair(video: Path, settings: Settings, workers: int, scratch: Path, first: str):
    """An estimate (fresh calibration) and the job, back to back in the order given."""
    out: dict[str, float] = {}

    def estimated() -> None:
        fresh_cache(scratch)
        before = load()
        found = asyncio.run(
            estimate_input(video, settings, workers=workers, capacity=CloudCapacity())
        )
        out.update(estimated=found.local_seconds, estimate_load=(before + load()) / 2)

    def measured() -> None:
        job = scratch / f"job-{time.monotonic_ns()}"
        before = load()
        began = time.perf_counter()
        manifest = asyncio.run(LocalRunner(settings, workers=workers).run_job(video, job))
        out.update(measured=time.perf_counter() - began, job_load=(before + load()) / 2)
        assert manifest.status == DONE
        shutil.rmtree(job, ignore_errors=True)

    for step in (estimated, measured) if first == "estimate" else (measured, estimated):
        step()
    return out


def local(args: argparse.Namespace, settings: Settings, workers: int, scratch: Path) -> None:
    print(f"{'clip':11} {'round':>5} {'estimated':>10} {'(load)':>6} {'measured':>9} "
          f"{'(load)':>6} {'error':>7}")  # fmt: skip
    for name in CLIPS:
        video = clip(name, args.seconds)
        errors = []
        for round_ in range(args.rounds):
            first = "estimate" if round_ % 2 == 0 else "job"
            r = estimate_pair(video, settings, workers, scratch, first)
            error = r["estimated"] / r["measured"] - 1
            errors.append(error)
            print(
                f"{name:11} {round_ + 1:>5} {r['estimated']:>9.1f}s {r['estimate_load']:>6.1f} "
                f"{r['measured']:>8.1f}s {r['job_load']:>6.1f} {error:>+7.0%}",
                flush=True,
            )
        print(f"{name:11} {'median':>5} {'':>10} {'':>6} {'':>9} {'':>6} "
              f"{statistics.median(errors):>+7.0%}", flush=True)  # fmt: skip


def cold_start() -> float:
    """What a function's start costs in the emulator: a fresh Python importing a handler."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import core.cloud.functions.snippets"], check=True, env=env
        )
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def cloud(video: Path, settings: Settings, scratch: Path, workers: int) -> None:
    marks: dict[str, float] = {}

    def on_event(event: JobEvent) -> None:
        now = time.monotonic()
        if isinstance(event, UploadProgress) and event.sent == event.total:
            marks.setdefault("uploaded", now)
        if isinstance(event, SnippetFinished):
            marks.setdefault("first_seen", now)

    fresh_cache(scratch)
    cold = cold_start()
    with CloudSim(default_template(), stack="estimate-bench", workers=workers) as sim:
        os.environ.update(
            AWS_ENDPOINT_URL=sim.endpoint, AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
        )  # fmt: skip
        runner = LambdaRunner(
            settings, CloudTarget("estimate-bench"), on_event=on_event,
            polling=Polling(first=0.2, longest=1.0), upload="whole",
        )  # fmt: skip
        load_before = load()
        began = time.monotonic()
        manifest = asyncio.run(runner.run_job(video, scratch / "cloud"))
        total = time.monotonic() - began
        assert manifest.status == DONE, manifest.error
        sim.wait_idle()
        invocations = list(sim.invocations)
    snip = next(
        i for i in invocations if i.function == "SnippetsFunction" and "sent" in str(i.result)
    )
    renders = [i for i in invocations if i.function == "ProcessFunction"]
    first_start = min(i.started for i in renders)
    first_end = min(i.started + i.seconds for i in renders)
    upload = marks["uploaded"] - began
    uplink = video.stat().st_size * 8 / max(upload, 1e-3) / 1e6
    render_seconds = statistics.median(s.seconds or 0.0 for s in manifest.snippets)
    measured = {
        "s3_event": snip.started - marks["uploaded"],
        "cold_start": cold,
        "probe_and_fanout": snip.seconds - cold,  # with its own start, below
        # The fan-out comes before the function returns: a render may start before that.
        "event_delivery": max(0.0, first_start - (snip.started + snip.seconds)),
        "invocation": statistics.median(i.seconds for i in renders) - render_seconds,
        "result_poll": marks["first_seen"] - first_end,
    }
    capacity = CloudCapacity(concurrency=workers, memory_mb=1769, concurrency_assumed=False)
    aws = asyncio.run(estimate_input(video, settings, workers=workers, capacity=capacity,
                                     uplink_mbps=uplink, upload="whole"))  # fmt: skip
    # The emulator's parts as measured (its probe part holds the decode of the video's tail).
    emulated = CloudLatency(
        s3_event=measured["s3_event"], cold_start=cold,
        probe_open=measured["probe_and_fanout"] - cold, fanout_per_snippet=0.0,
        event_delivery=measured["event_delivery"], invocation=measured["invocation"],
        result_poll=measured["result_poll"], probe_decode=False,
    )  # fmt: skip
    with_emulator = asyncio.run(
        estimate_input(video, settings, workers=workers, capacity=capacity, uplink_mbps=uplink,
                       upload="whole", latency=emulated)
    )  # fmt: skip
    # The model's probe: opening over HTTPS, then decoding the video's last 5 s on the
    # snippets function's share of a vCPU (from the calibration), then the fan-out.
    fixed = (
        AWS_LATENCY.s3_event + 2 * AWS_LATENCY.cold_start + AWS_LATENCY.event_delivery
        + AWS_LATENCY.result_poll
    )  # fmt: skip
    aws_probe = aws.cloud_parts["start"] - fixed
    rows = [
        ("S3 event → function", AWS_LATENCY.s3_event, measured["s3_event"]),
        ("function start (cold)", AWS_LATENCY.cold_start, cold),
        ("probe (tail read) and fan-out", aws_probe, measured["probe_and_fanout"]),
        ("event → render starts", AWS_LATENCY.event_delivery, measured["event_delivery"]),
        ("a render's own overhead", AWS_LATENCY.invocation, measured["invocation"]),
        ("desktop sees the record", AWS_LATENCY.result_poll, measured["result_poll"]),
        ("start: upload done → first render",
         aws.cloud_parts["start"] - AWS_LATENCY.result_poll,
         first_start - marks["uploaded"]),
    ]  # fmt: skip
    print(f"\ncloud-sim, {video.name}, {workers} invocations at once, {len(renders)} renders, "
          f"load {load_before:.1f}→{load():.1f}; uplink measured {uplink:.0f} Mbit/s")  # fmt: skip
    print(f"  {'part':36} {'AWS model':>9} {'emulator':>9}")
    for label, model, emulator in rows:
        print(f"  {label:36} {model:>8.1f}s {emulator:>8.1f}s")
    error = with_emulator.cloud_seconds / total - 1
    print(
        f"  total: the model with the emulator's parts {with_emulator.cloud_seconds:.1f} s, "
        f"measured {total:.1f} s ({error:+.0%}); with AWS's parts {aws.cloud_seconds:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-cloud", action="store_true")
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    settings = Settings(snippet_seconds=10)
    workers = default_workers()
    scratch = Path(tempfile.mkdtemp(prefix="framefan-bench-"))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {workers} workers; "
          f"{args.seconds} s clips, 10 s snippets, {args.rounds} rounds")  # fmt: skip
    try:
        if not args.skip_local:
            local(args, settings, workers, scratch)
        if not args.skip_cloud:
            cloud(clip("h264-720p", args.seconds), replace(settings), scratch, workers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
