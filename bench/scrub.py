"""Timeline scrubbing on a 3-hour job: latency from a position change to the still being
painted, time to open the job, peak memory.

The job is synthetic but real: 10,800 JPEG stills (640×360) rendered by ffmpeg, 360 GIFs
and a manifest written by ``core.manifest``; it is built once and cached (``--cache``).
Three scrubbing patterns are replayed in the real main window (offscreen):

* held arrow key: +1 s every 33 ms (keyboard auto-repeat);
* drag: the playhead swept across the whole timeline, one step per 60 Hz frame;
* jumps: clicks at random places.

The reference, measured in the same run on the same positions, is the naive way: decode
the still from disk and paint it on every change, with no cache and no prefetch.

usage: python bench/scrub.py [--cache DIR] [--steps N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtGui import QImageReader
from PySide6.QtWidgets import QApplication

from core.ffmpeg_locator import find_ffmpeg
from core.layout import MANIFEST_NAME, gif_relpath
from core.manifest import DONE, Manifest, SourceInfo
from core.settings import Settings
from gui.appdirs import AppDirs
from gui.main_window import MainWindow
from gui.preview.timeline_model import TimelineModel

HOURS = 3
DURATION = HOURS * 3600.0
TARGET_P95_MS = 16.0
TARGET_OPEN_S = 1.0
TARGET_PEAK_MB = 400.0
_DISTINCT_GIFS = 12


def build_job(cache: Path) -> Path:
    """The synthetic 3-hour job, built once under ``cache``."""
    job = cache / "three-hours"
    if (job / MANIFEST_NAME).is_file():
        return job
    shutil.rmtree(job, ignore_errors=True)
    scratch = cache / "three-hours.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "frames").mkdir(parents=True)
    (scratch / "gifs").mkdir()
    ffmpeg = find_ffmpeg()
    print(f"building a {HOURS}-hour job in {job} (once)…", file=sys.stderr)
    # One still per second of a moving test pattern, numbered from 0 like a real job.
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi",
         "-i", f"testsrc2=s=640x360:r=1:d={DURATION:g}", "-q:v", "6", "-start_number", "0",
         str(scratch / "frames" / "%06d.jpg")],
        check=True,
    )  # fmt: skip
    settings = Settings()
    snippets = int(DURATION // settings.snippet_seconds)
    for n in range(_DISTINCT_GIFS):
        subprocess.run(
            [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi",
             "-i", "testsrc2=s=240x135:r=10:d=30,format=rgb24", "-vf",
             f"hue=h={n * 30},split[a][b];[a]palettegen[p];[b][p]paletteuse",
             str(scratch / gif_relpath(n))],
            check=True,
        )  # fmt: skip
    for index in range(_DISTINCT_GIFS, snippets):
        os.link(scratch / gif_relpath(index % _DISTINCT_GIFS), scratch / gif_relpath(index))
    source = SourceInfo("three-hours.mp4", DURATION, 1920, 1080, 0, "h264", "mov", 25.0, "x")
    manifest = Manifest.planned("three-hours", source, settings)
    for record in manifest.snippets:
        record.status, record.gif = DONE, gif_relpath(record.index)
    manifest.status = DONE
    manifest.refresh_frames()
    manifest.save(scratch)
    scratch.rename(job)
    return job


def patterns(duration: float, steps: int) -> dict[str, tuple[list[float], float]]:
    """Positions to visit, and the pause between two (seconds)."""
    rng = random.Random(7)
    start = rng.uniform(0, duration / 2)
    held = [start + k for k in range(steps)]
    drag = [duration * k / steps for k in range(steps)]
    jumps = [rng.uniform(0, duration) for _ in range(steps)]
    return {"held key": (held, 0.033), "drag": (drag, 0.016), "jumps": (jumps, 0.05)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(job: Path, steps: int) -> int:
    app = QApplication.instance()
    with tempfile.TemporaryDirectory(prefix="framefan-bench-") as profile:
        window = MainWindow(AppDirs.under(Path(profile)))
        window.resize(1280, 800)
        window.show()
        await asyncio.sleep(0.2)
        preview = window.preview
        painted = asyncio.Event()
        painted_at = [0.0]

        def on_painted() -> None:
            painted_at[0] = time.perf_counter()
            painted.set()

        preview.frame_view.painted.connect(on_painted)

        async def paint_done() -> float:
            """Wait for the next paint of the frame view; returns when it ended."""
            painted.clear()
            await painted.wait()
            return painted_at[0]

        # Open: read the manifest, build the timeline, show and paint the first still.
        began = time.perf_counter()
        manifest = Manifest.load(job / MANIFEST_NAME)
        preview.set_job(TimelineModel.from_manifest(manifest, job), position=0.0)
        open_s = await paint_done() - began
        # The filmstrip's thumbnails arrive from the background decoder after that.
        timeline = preview.timeline
        while not (window.cache.idle() and all(window.cache.get(k) for k in timeline._wanted)):
            await asyncio.sleep(0.002)
        filmstrip_s = time.perf_counter() - began
        baseline_json = time.perf_counter()
        Manifest.load(job / MANIFEST_NAME)
        manifest_s = time.perf_counter() - baseline_json

        results: dict[str, list[float]] = {}
        for name, (positions, pause) in patterns(manifest.source.duration or 0, steps).items():
            latencies = []
            for t in positions:
                began = time.perf_counter()
                preview.set_position(t)
                latencies.append((await paint_done() - began) * 1000)
                await asyncio.sleep(pause)  # the user's pace: background decoding runs here
            results[name] = latencies

        # Reference: decode and paint on every change, nothing cached or prefetched.
        model = preview.model()
        view = preview.frame_view
        naive = []
        for t in patterns(manifest.source.duration or 0, steps)["jumps"][0]:
            began = time.perf_counter()
            path = model.frame_path(model.frame_at(t))
            view.set_image(QImageReader(str(path)).read())
            view.repaint()
            naive.append((time.perf_counter() - began) * 1000)

        closed = asyncio.get_running_loop().create_future()
        window.closed.connect(lambda: closed.done() or closed.set_result(None))
        window.close()
        await closed
    app.processEvents()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ref_p50 = statistics.median(naive)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work slows the figures)")
    print(f"job: {len(manifest.frames)} stills, {len(manifest.snippets)} GIFs, "
          f"{HOURS} h; window 1280×800 (offscreen); frame view "
          f"{view.width()}×{view.height()}")  # fmt: skip
    print(f"open job (manifest → first still painted): {open_s * 1000:.0f} ms "
          f"(target ≤ {TARGET_OPEN_S * 1000:.0f} ms; reading the manifest alone: "
          f"{manifest_s * 1000:.0f} ms); filmstrip complete after "
          f"{filmstrip_s * 1000:.0f} ms")  # fmt: skip
    worst = 0.0
    for name, latencies in results.items():
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        worst = max(worst, p95)
        print(f"scrub, {name:9} ({len(latencies)} changes): p50 {p50:5.2f} ms  p95 {p95:5.2f} ms"
              f"  (p50 {p50 / ref_p50:.2f}× the naive decode-and-paint)")  # fmt: skip
    print(f"reference, naive decode-and-paint per change: p50 {ref_p50:.2f} ms  "
          f"p95 {percentile(naive, 0.95):.2f} ms")  # fmt: skip
    print(f"peak memory (max RSS): {peak_mb:.0f} MB (target ≤ {TARGET_PEAK_MB:.0f} MB)")
    ok = worst <= TARGET_P95_MS and open_s <= TARGET_OPEN_S and peak_mb <= TARGET_PEAK_MB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--cache", type=Path, default=root / ".bench-cache")
    parser.add_argument("--steps", type=int, default=300, help="changes per pattern")
    args = parser.parse_args()
    job = build_job(args.cache)
    app = QApplication([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(measure(job, args.steps))


if __name__ == "__main__":
    raise SystemExit(main())
