"""Render time of one snippet against its length, at 1080p and 30 fps: what sets the
template's MaxSnippetSeconds (the longest snippet one process invocation may render).

One ffmpeg with two threads renders one snippet at a time, as a 3008 MB Lambda (1.7 vCPUs)
does; the reference is a plain decode of the same seconds, measured in the same run.

usage: .venv/bin/python bench/snippet_render_time.py [--lengths 10 30 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.ffmpeg_locator import find_ffmpeg  # noqa: E402
from core.input_safety import as_source  # noqa: E402
from core.plan import Snippet  # noqa: E402
from core.probe import probe  # noqa: E402
from core.render import render_snippet  # noqa: E402
from core.settings import Settings  # noqa: E402

CACHE = ROOT / ".bench-cache"


def clip(seconds: int) -> Path:
    path = CACHE / f"render-{seconds}s-1920x1080.mp4"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"testsrc2=d={seconds}:s=1920x1080:r=30,noise=alls=20:allf=t",
             "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-b:v", "12M",
             "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )  # fmt: skip
    return path


def decode_seconds(path: Path, seconds: float) -> float:
    began = time.perf_counter()
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-threads", "2", "-t",
         str(seconds), "-i", str(path), "-f", "null", "-"],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - began


async def render_seconds(path: Path, seconds: float) -> float:
    source = as_source(path)
    info = await probe(source)
    with tempfile.TemporaryDirectory() as work:
        output = await render_snippet(
            source, info, Snippet(0, 0.0, seconds), Settings(), Path(work), threads=2
        )
    return output.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=float, nargs="+", default=[10, 30, 60])
    args = parser.parse_args()
    video = clip(int(max(args.lengths)) + 1)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs; ffmpeg threads: 2")
    print("length  render  decode  render/s  ratio render/decode")
    rates = []
    for length in args.lengths:
        render = asyncio.run(render_seconds(video, length))
        decode = decode_seconds(video, length)
        rates.append(render / length)
        print(f"{length:5.0f} s {render:6.1f} s {decode:6.1f} s {render / length:8.3f}  "
              f"{render / decode:5.2f}")  # fmt: skip
    rate = max(rates)
    print(f"worst seconds of render per second of video: {rate:.3f}")
    print(f"longest snippet in 50 % of a 300 s timeout: {150 / rate:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
