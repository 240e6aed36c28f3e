"""How close `framefan estimate` comes: estimated against measured local time on three
clips of different codecs and sizes (target: within ±25 %), and the cloud estimate against
what `framefan cloud-sim` measures for the parts it can show (start, render per snippet,
total with the measured upload), in one run.

The emulator's "Lambda" is this machine: the cloud estimate is made for it (one vCPU per
invocation, as many at once as the emulator's workers), so the comparison checks the model
(rounds, start, overheads), not AWS's speed.

usage: .venv/bin/python bench/estimate_accuracy.py [--seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.cloud.follow import Polling  # noqa: E402
from core.cloud.runner import LambdaRunner  # noqa: E402
from core.cloud.sim.emulator import CloudSim  # noqa: E402
from core.cloud.sim.template import default_template  # noqa: E402
from core.cloud.stack import CloudTarget  # noqa: E402
from core.estimate.job import estimate_input  # noqa: E402
from core.estimate.model import CloudCapacity  # noqa: E402
from core.events import JobEvent, SnippetStarted, UploadProgress  # noqa: E402
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    settings = Settings(snippet_seconds=10)
    workers = default_workers()
    scratch = Path(tempfile.mkdtemp(prefix="framefan-bench-"))
    os.environ["FRAMEFAN_CACHE_DIR"] = str(scratch / "cache")  # a fresh calibration
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {workers} workers; "
          f"{args.seconds} s clips, 10 s snippets")  # fmt: skip
    print(f"{'clip':12} {'estimated':>9} {'measured':>9} {'error':>7}  (calibration)")
    try:
        for name in CLIPS:
            video = clip(name, args.seconds)
            began = time.perf_counter()
            found = asyncio.run(
                estimate_input(video, settings, workers=workers, capacity=CloudCapacity())
            )
            calibration_time = time.perf_counter() - began
            began = time.perf_counter()
            manifest = asyncio.run(
                LocalRunner(settings, workers=workers).run_job(video, scratch / name)
            )
            measured = time.perf_counter() - began
            assert manifest.status == DONE
            error = found.local_seconds / measured - 1
            print(f"{name:12} {found.local_seconds:8.1f}s {measured:8.1f}s {error:+7.0%}  "
                  f"({calibration_time:.1f} s)")  # fmt: skip
        cloud(clip("h264-720p", args.seconds), settings, scratch, workers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def cloud(video: Path, settings: Settings, scratch: Path, workers: int) -> None:
    marks: dict[str, float] = {}

    def on_event(event: JobEvent) -> None:
        now = time.perf_counter() - began
        if isinstance(event, UploadProgress) and event.sent == event.total:
            marks.setdefault("uploaded", now)
        if isinstance(event, SnippetStarted):
            marks.setdefault("started", now)

    with CloudSim(default_template(), stack="estimate-bench", workers=workers) as sim:
        os.environ.update(
            AWS_ENDPOINT_URL=sim.endpoint, AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
        )  # fmt: skip
        runner = LambdaRunner(
            settings, CloudTarget("estimate-bench"), on_event=on_event, polling=Polling(first=0.2)
        )
        began = time.perf_counter()
        manifest = asyncio.run(runner.run_job(video, scratch / "cloud"))
        total = time.perf_counter() - began
        assert manifest.status == DONE, manifest.error
        sim.wait_idle()
        renders = [i.seconds for i in sim.invocations if i.function == "ProcessFunction"]
    upload = marks.get("uploaded", 0.0)
    uplink = video.stat().st_size * 8 / max(upload, 1e-3) / 1e6
    capacity = CloudCapacity(concurrency=workers, memory_mb=1769, concurrency_assumed=False)
    found = asyncio.run(
        estimate_input(video, settings, workers=workers, capacity=capacity, uplink_mbps=uplink)
    )
    per_render = found.cloud_parts["render"] / -(-found.snippets // workers)
    rows = [
        ("start (upload done → first snippet)", found.cloud_parts["start"],
         marks.get("started", 0.0) - upload),
        ("one render invocation", per_render, max(renders)),
        ("total, with the measured upload", found.cloud_seconds, total),
    ]  # fmt: skip
    print(f"\ncloud-sim, {video.name}, {workers} at once, {len(renders)} renders:")
    for label, estimated, measured in rows:
        print(f"  {label:38} estimated {estimated:6.1f} s, measured {measured:6.1f} s "
              f"({estimated / measured - 1:+.0%})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
