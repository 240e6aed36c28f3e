"""Streamed fan-out, offline: one generated clip through `framefan cloud-sim` with the
client's upload limited (20 Mbit/s by default), sent as a whole file, as segments, and both
at once (this machine from the end, segments from the start), side by side in one run:
time to the first snippet done, time to all done, bytes uploaded. Then the model's figures
for a real uplink and real Lambda concurrency (core.estimate.model, AWS's latencies).

Targets (segments): first snippet done ≤ 10 s after the start, whatever the length; all done
≤ upload time + 2 × one snippet's render time; bytes uploaded ≤ 1.1 × the file's size.

The emulator's "Lambda" is this machine: its renders share the CPU with the client (and,
for both at once, with the local renders), and each invocation starts a fresh Python.

usage: .venv/bin/python bench/cloud_stream.py [--minutes 10] [--limit-mbps 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.cloud.follow import Polling  # noqa: E402
from core.cloud.hybrid import HybridRunner  # noqa: E402
from core.cloud.runner import STATE_NAME, LambdaRunner  # noqa: E402
from core.cloud.sim.emulator import CloudSim  # noqa: E402
from core.cloud.sim.template import default_template  # noqa: E402
from core.cloud.stack import CloudTarget  # noqa: E402
from core.estimate.calibrate import Calibration  # noqa: E402
from core.estimate.model import CloudCapacity, estimate  # noqa: E402
from core.events import JobEvent, SnippetFinished, UploadProgress  # noqa: E402
from core.ffmpeg_locator import find_ffmpeg  # noqa: E402
from core.manifest import DONE  # noqa: E402
from core.probe import MediaInfo  # noqa: E402
from core.settings import Settings  # noqa: E402

CACHE = ROOT / ".bench-cache"
SETTINGS = Settings(snippet_seconds=10)
STACK = "stream-bench"


def clip(minutes: int) -> Path:
    """720p, 30 fps, H.264 at about 4 Mbit/s with a keyframe every second, and AAC audio."""
    path = CACHE / f"stream-{minutes}min-720p.mp4"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        seconds = minutes * 60
        tmp = path.with_name(".tmp-" + path.name)
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"testsrc2=d={seconds}:s=1280x720:r=30,noise=alls=6:allf=t",
             "-f", "lavfi", "-i", f"sine=d={seconds}:f=440",
             "-c:v", "libx264", "-preset", "veryfast", "-b:v", "4M", "-maxrate", "5M",
             "-bufsize", "8M", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "mp4", str(tmp)],
            check=True,
        )  # fmt: skip
        tmp.rename(path)
    return path


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def run(mode: str, video: Path, scratch: Path, sim: CloudSim, limit: float) -> dict[str, float]:
    """One job in ``mode`` (whole, segments, both); its timings and bytes."""
    copy = scratch / mode / video.name  # a version of its own: a cloud job of its own
    copy.parent.mkdir(parents=True)
    shutil.copyfile(video, copy)
    marks: dict[str, float] = {}
    began = 0.0

    def on_event(event: JobEvent) -> None:
        now = time.monotonic() - began
        if isinstance(event, SnippetFinished):
            marks.setdefault("first", now)
            marks["last"] = now
        if isinstance(event, UploadProgress):
            marks.setdefault("upload_began", now)
            if event.sent >= event.total:
                marks["uploaded"] = now

    polling = Polling(first=0.2, longest=1.0)
    target = CloudTarget(STACK)
    if mode == "both":
        runner = HybridRunner(
            SETTINGS, target, workers=os.cpu_count() or 1, on_event=on_event,
            polling=polling, upload_limit_mbps=limit, upload="segments",
        )  # fmt: skip
    else:
        runner = LambdaRunner(
            SETTINGS, target, on_event=on_event, polling=polling, upload=mode,
            upload_limit_mbps=limit,
        )  # fmt: skip
    before = len(sim.invocations)
    start_load = load()
    began = time.monotonic()
    manifest = asyncio.run(runner.run_job(copy, scratch / mode / "job"))
    total = time.monotonic() - began
    assert manifest.status == DONE, manifest.error
    sim.wait_idle(timeout=600)
    renders = [
        i.seconds
        for i in sim.invocations[before:]
        if i.function == "ProcessFunction" and i.ok and not (i.result or {}).get("skipped")
    ]
    state = (scratch / mode / "job" / STATE_NAME).read_text()
    cloud_job = json.loads(state)["cloud_job"]
    s3 = sim.client("s3")
    listing = s3.list_objects_v2(
        Bucket=sim.model.buckets["UploadsBucket"], Prefix=f"uploads/{cloud_job}/"
    )
    sent = sum(item["Size"] for item in listing.get("Contents") or [])
    local = sum(1 for s in manifest.snippets if s.backend == "local")
    return {
        "first": marks.get("first", total),
        "all": total,
        "upload": marks.get("uploaded", total) - marks.get("upload_began", 0.0),
        "render": statistics.median(renders) if renders else 0.0,
        "bytes": sent,
        "local": local,
        "snippets": len(manifest.snippets),
        "load": f"{start_load}→{load()}",  # type: ignore[dict-item]
    }


def model_rows() -> None:
    """1 h of 1080p at 8 Mbit/s (3.6 GB), 30 s snippets, 100 renders at once, AWS latencies;
    rendering at 0.6 s per second of 1080p on one core plus 1.5 s a snippet (the figures of
    bench/snippet_render_time.py), 8 cores here."""
    info = MediaInfo(3600.0, 1920, 1080, 0, 30.0, "h264", "mov,mp4,m4a,3gp,3g2,mj2", True, 0,
                     1920, 1080, "yuv420p")  # fmt: skip
    calibration = Calibration(1.5, 0.6, 8, 40_000.0, 30_000.0, 0.0, fixed_first=0.5)
    size = int(3600 * 8e6 / 8)
    print("\nmodel: 1 h of 1080p at 8 Mbit/s (3.6 GB), 30 s snippets, 100 renders at once")
    print(f"{'uplink':>10} {'sent as':>10} {'first preview':>14} {'all done':>9} "
          f"{'both at once':>13} {'here (8 cores)':>15}")  # fmt: skip
    for uplink in (50.0, 1000.0):
        for segments in (False, True):
            found = estimate(
                "hour.mp4", info, size, Settings(), calibration, workers=8, probe_seconds=8.0,
                uplink_mbps=uplink, uplink_source="given", capacity=CloudCapacity(),
                segments=segments,
            )  # fmt: skip
            both = f"{found.hybrid_seconds / 60:.1f} min" if found.hybrid_seconds else "–"
            print(f"{uplink:>6g} Mb/s {found.upload_mode:>10} "
                  f"{found.first_preview_seconds:>12.0f} s {found.cloud_seconds / 60:>6.1f} min "
                  f"{both:>13} {found.local_seconds / 60:>11.1f} min")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--limit-mbps", type=float, default=20.0)
    parser.add_argument("--modes", default="whole,segments,both")
    args = parser.parse_args()
    video = clip(args.minutes)
    size = video.stat().st_size
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}")  # fmt: skip
    print(f"clip: {args.minutes} min 1280x720 30 fps H.264 + AAC, {size / 1e6:.0f} MB "
          f"({size * 8 / args.minutes / 60 / 1e6:.1f} Mbit/s), 10 s snippets; upload limited "
          f"to {args.limit_mbps:g} Mbit/s; emulator: 2 invocations at once")  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="framefan-stream-"))
    results: dict[str, dict[str, float]] = {}
    try:
        with CloudSim(default_template(), stack=STACK, workers=2, retry_delay=1) as sim:
            os.environ.update(
                AWS_ENDPOINT_URL=sim.endpoint, AWS_ACCESS_KEY_ID="bench",
                AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                FRAMEFAN_CACHE_DIR=str(scratch / "cache"),
            )  # fmt: skip
            for mode in args.modes.split(","):
                results[mode] = run(mode, video, scratch, sim, args.limit_mbps)
                r = results[mode]
                print(f"  {mode}: done (load {r['load']})", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{'':10} {'first done':>11} {'all done':>9} {'upload':>8} {'render':>7} "
          f"{'sent / file':>12} {'here':>6}")  # fmt: skip
    for mode, r in results.items():
        print(f"{mode:10} {r['first']:>9.1f} s {r['all']:>7.1f} s {r['upload']:>6.1f} s "
              f"{r['render']:>5.1f} s {r['bytes'] / size:>12.3f} "
              f"{int(r['local']):>3}/{int(r['snippets'])}")  # fmt: skip
    if "segments" in results:
        r = results["segments"]
        bound = r["upload"] + 2 * r["render"]
        print("\ntargets (segments):")
        print(f"  first snippet done ≤ 10 s: {r['first']:.1f} s")
        print(f"  all done ≤ upload + 2 × render = {bound:.1f} s: {r['all']:.1f} s")
        print(f"  bytes sent ≤ 1.1 × file: {r['bytes'] / size:.3f} ×")
    if "whole" in results and "segments" in results:
        w, s = results["whole"], results["segments"]
        print(f"  segments vs whole: first {w['first'] / s['first']:.1f}× sooner, all done "
              f"{w['all'] / s['all']:.2f}× sooner")  # fmt: skip
    model_rows()
    return 0


if __name__ == "__main__":
    sys.exit(main())
