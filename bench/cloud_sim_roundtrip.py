"""The cloud path's overhead, offline: one clip through the local backend and through the
Lambda backend against `framefan cloud-sim` (moto + the real handlers, same machine), in one
run. Both render with the same ffmpeg on the same cores, so the ratio shows what the cloud
path adds here (upload, one process per invocation, presigned HTTPS reads, S3 writes,
polling, downloads), not how fast AWS is.

usage: .venv/bin/python bench/cloud_sim_roundtrip.py [--seconds 60] [--workers 2]
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
from core.events import JobEvent, SnippetStarted, UploadProgress  # noqa: E402
from core.ffmpeg_locator import find_ffmpeg  # noqa: E402
from core.manifest import DONE  # noqa: E402
from core.runner import LocalRunner  # noqa: E402
from core.settings import Settings  # noqa: E402

CACHE = ROOT / ".bench-cache"


def clip(seconds: int) -> Path:
    path = CACHE / f"cloud-{seconds}s-640x360.mp4"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"testsrc2=d={seconds}:s=640x360:r=30", "-c:v", "libx264",
             "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )  # fmt: skip
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    video = clip(args.seconds)
    settings = Settings(snippet_seconds=10)
    out = Path(tempfile.mkdtemp(prefix="framefan-bench-"))
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"clip: {args.seconds} s 640x360 30 fps H.264 ({video.stat().st_size / 1e6:.1f} MB), "
          f"10 s snippets, {args.workers} workers")  # fmt: skip
    try:
        began = time.perf_counter()
        local = asyncio.run(
            LocalRunner(settings, workers=args.workers).run_job(video, out / "local")
        )
        local_time = time.perf_counter() - began
        assert local.status == DONE

        marks: dict[str, float] = {}

        def on_event(event: JobEvent) -> None:
            now = time.perf_counter() - began
            if isinstance(event, UploadProgress) and event.sent == event.total:
                marks.setdefault("uploaded", now)
            if isinstance(event, SnippetStarted):
                marks.setdefault("fanned out", now)

        began_sim = time.perf_counter()
        with CloudSim(default_template(), stack="bench", workers=args.workers) as sim:
            start_time = time.perf_counter() - began_sim
            os.environ.update(
                AWS_ENDPOINT_URL=sim.endpoint, AWS_ACCESS_KEY_ID="bench",
                AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
            )  # fmt: skip
            runner = LambdaRunner(
                settings, CloudTarget("bench"), on_event=on_event, polling=Polling(first=0.2)
            )
            began = time.perf_counter()
            cloud = asyncio.run(runner.run_job(video, out / "cloud"))
            cloud_time = time.perf_counter() - began
            assert cloud.status == DONE, cloud.error
            sim.wait_idle()
            renders = [i.seconds for i in sim.invocations if i.function == "ProcessFunction"]
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"emulator start: {start_time:.1f} s")
    print(f"local backend: {local_time:.1f} s")
    uploaded, fanned_out = marks.get("uploaded", 0.0), marks.get("fanned out", 0.0)
    print(
        f"lambda backend via cloud-sim: {cloud_time:.1f} s "
        f"(uploaded at {uploaded:.1f} s, fanned out at {fanned_out:.1f} s)"
    )
    print(
        f"process invocations: {len(renders)}, {sum(renders) / len(renders):.1f} s each on average"
    )
    print(f"ratio cloud-sim / local: {cloud_time / local_time:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
