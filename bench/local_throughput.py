"""Local processing throughput: FrameFan against the reference method and the decode bound.

Generates (once, cached in .bench-cache/) a 5-minute 1280x720 30 fps H.264 clip, then
measures in one run:

  (a) the reference sample's serial method: per 30 s snippet, one ffmpeg call for the GIF
      and one for the stills, with its exact filters and options, full-size stills;
  (b) FrameFan's local backend with reference-equivalent settings (full-size stills,
      240 px 10 fps GIFs, 30 s snippets);
  (c) FrameFan with its default settings;
  (d) the bound: a plain full decode of the clip (ffmpeg -i clip -f null -).

and prints the ratios a/b (speed-up over the reference; target >= 2.0) and b/d (overhead
over a bare decode; target <= 1.5).

usage: python bench/local_throughput.py [--minutes 5] [--repeat 1] [--workers N]
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

from core.ffmpeg_locator import ffmpeg_version, find_ffmpeg  # noqa: E402
from core.manifest import DONE  # noqa: E402
from core.runner import LocalRunner, default_workers  # noqa: E402
from core.settings import Settings  # noqa: E402

CACHE = ROOT / ".bench-cache"
SNIPPET = 30


def make_clip(ffmpeg: str, minutes: float) -> Path:
    path = CACHE / f"clip-{minutes:g}min-720p30.mp4"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    print(f"generating {path.name} (once)…", file=sys.stderr)
    # Moving test pattern with temporal noise: content that costs a realistic amount to
    # decode, unlike a static colour.
    source = "testsrc2=s=1280x720:r=30,noise=alls=12:allf=t+u"
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", source, "-t", str(minutes * 60),
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "250",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(tmp)],
        check=True,
    )  # fmt: skip
    tmp.rename(path)
    return path


def timed(fn, work: Path) -> float:
    began = time.perf_counter()
    fn(work)
    return time.perf_counter() - began


def reference_method(ffmpeg: str, clip: Path, duration: float, out: Path) -> None:
    """The sample's loop, as published: two ffmpeg calls per snippet, run one after another
    (its `-to start+29` included)."""
    base = clip.stem
    start = 0
    while start < duration:
        end = start + SNIPPET - 1
        gif_filter = (
            "fps=10,scale=240:-1:flags=lanczos,split[s0][s1];[s0]palettegen[p];[s1][p]paletteuse"
        )
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-ss", str(start), "-to", str(end), "-y",
             "-i", str(clip), "-vf", gif_filter, "-loop", "0", str(out / f"{base}-{start}.gif")],
            check=True,
        )  # fmt: skip
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-ss", str(start), "-to", str(end),
             "-i", str(clip), "-vf", "fps=1", str(out / f"{base}-{start}-frame-%d.jpg")],
            check=True,
        )  # fmt: skip
        start += SNIPPET


def framefan(clip: Path, settings: Settings, workers: int, out: Path) -> None:
    manifest = asyncio.run(LocalRunner(settings, workers=workers).run_job(clip, out / "job"))
    if manifest.status != DONE:
        raise SystemExit(f"FrameFan run ended {manifest.status}: {manifest.error}")


def decode_bound(ffmpeg: str, clip: Path) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-i", str(clip), "-f", "null", "-"],
        check=True,
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; best is kept")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()

    ffmpeg = find_ffmpeg()
    clip = make_clip(ffmpeg, args.minutes)
    duration = args.minutes * 60
    equivalent = Settings(snippet_seconds=SNIPPET, gif_fps=10, gif_width=240, frame_width=0)
    defaults = Settings()

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            work = Path(tempfile.mkdtemp(prefix="framefan-bench-"))
            try:
                times.append(timed(fn, work))
            finally:
                shutil.rmtree(work, ignore_errors=True)
        return min(times)

    a = best(lambda w: reference_method(ffmpeg, clip, duration, w))
    b = best(lambda w: framefan(clip, equivalent, args.workers, w))
    c = best(lambda w: framefan(clip, defaults, args.workers, w))
    d = best(lambda w: decode_bound(ffmpeg, clip))

    print(f"machine: {machine()}")
    print(f"ffmpeg {ffmpeg_version(ffmpeg)}; clip {clip.name}; workers {args.workers}")
    print(f"(a) reference serial method      {a:7.2f} s")
    print(f"(b) FrameFan, reference settings {b:7.2f} s")
    print(f"(c) FrameFan, default settings   {c:7.2f} s")
    print(f"(d) decode bound                 {d:7.2f} s")
    print(f"a/b = {a / b:.2f}  (speed-up over the reference method; target >= 2.0)")
    print(f"b/d = {b / d:.2f}  (cost over a bare decode; target <= 1.5)")
    print(f"c/d = {c / d:.2f}")


if __name__ == "__main__":
    main()
