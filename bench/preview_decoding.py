"""What decoding for previews (core.render.PREVIEW_DECODING) costs the pictures, and saves.

For each clip (by default the 5-minute 1280x720 H.264 clip of bench/local_throughput.py,
and an HEVC encoding of its first minute), over three 30 s windows (start, middle, end):

  quality  the pictures FrameFan makes, at their output sizes (GIF pictures: 10 fps,
           240 px wide, lanczos; stills: 1 fps, 640 px and the video's size), from a full
           decode and from the preview decoding, compared by ffmpeg's ssim filter (one
           ffmpeg decodes the window both ways): the mean and the lowest SSIM of any picture;
  time     the CPU time of decoding the windows both ways (one decoder thread, best of
           --repeat, alternately), and the share saved.

Target: SSIM >= 0.98 for every picture.

usage: python bench/preview_decoding.py [--repeat 3] [CLIP ...]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.local_throughput import CACHE, load_average, machine, make_clip  # noqa: E402
from core.ffmpeg_locator import ffmpeg_version, find_ffmpeg  # noqa: E402
from core.probe import probe  # noqa: E402
from core.render import PREVIEW_DECODING  # noqa: E402

WINDOW = 30.0
OUTPUTS = {
    "GIF pictures, 240 px": "fps=10,scale=240:-2:flags=lanczos",
    "stills, 640 px": "fps=1,scale=640:-2",
    "stills, video size": "fps=1",
}


def decoding_options() -> list[str]:
    return [arg for key, value in PREVIEW_DECODING.items() for arg in (f"-{key}", str(value))]


def hevc_clip(ffmpeg: str, source: Path) -> Path:
    path = CACHE / "clip-1min-720p30-hevc.mp4"
    if not path.exists():
        print(f"generating {path.name} (once)…", file=sys.stderr)
        tmp = path.with_suffix(".tmp.mp4")
        subprocess.run(
            [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-t", "60", "-i", str(source),
             "-c:v", "libx265", "-preset", "veryfast", "-crf", "26", "-tag:v", "hvc1",
             "-x265-params", "log-level=error", str(tmp)],
            check=True,
        )  # fmt: skip
        tmp.rename(path)
    return path


def windows(duration: float) -> list[float]:
    last = max(0.0, duration - WINDOW)
    return [0.0, round(last / 2, 3), round(last, 3)]


def ssim(ffmpeg: str, clip: Path, start: float, chain: str) -> list[float]:
    """SSIM of each picture made by ``chain`` from a full decode and a preview decode."""
    window = ["-ss", f"{start}", "-t", f"{WINDOW}"]
    graph = f"[0:v]{chain}[full];[1:v]{chain}[preview];[full][preview]ssim=stats_file=-"
    out = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-threads", "1", *window, "-i", str(clip),
         "-threads", "1", *decoding_options(), *window, "-i", str(clip),
         "-lavfi", graph, "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [float(line.split("All:")[1].split()[0]) for line in out.splitlines() if "All:" in line]


def decode_seconds(ffmpeg: str, clip: Path, starts: list[float], preview: bool) -> float:
    """CPU seconds (user and system) to decode the windows with one thread."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for start in starts:
        subprocess.run(
            [ffmpeg, "-hide_banner", "-loglevel", "error", "-threads", "1",
             *(decoding_options() if preview else []),
             "-ss", f"{start}", "-t", f"{WINDOW}", "-i", str(clip), "-f", "null", "-"],
            check=True,
        )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    clips = args.clips
    if not clips:
        h264 = make_clip(ffmpeg, 5.0)
        clips = [h264, hevc_clip(ffmpeg, h264)]
    print(f"machine: {machine()}")
    print(f"ffmpeg {ffmpeg_version(ffmpeg)}; preview decoding: {' '.join(decoding_options())}")
    lowest = 1.0
    for clip in clips:
        info = asyncio.run(probe(clip))
        starts = windows(info.duration)
        print(f"\n{clip.name} ({info.codec}, {info.width}x{info.height}), windows at {starts}")
        for name, chain in OUTPUTS.items():
            values = [v for start in starts for v in ssim(ffmpeg, clip, start, chain)]
            lowest = min(lowest, min(values))
            print(
                f"  {name:22} SSIM mean {statistics.fmean(values):.4f}, "
                f"lowest {min(values):.4f} ({len(values)} pictures)"
            )
        full, preview = [], []
        for _ in range(args.repeat):  # alternately
            full.append(decode_seconds(ffmpeg, clip, starts, preview=False))
            preview.append(decode_seconds(ffmpeg, clip, starts, preview=True))
        f, p = min(full), min(preview)
        print(
            f"  decoding, CPU: full {f:.2f} s, preview {p:.2f} s: {1 - p / f:.0%} saved "
            f"(best of {args.repeat}; load average {load_average()})"
        )
    print(f"\nlowest SSIM of any picture: {lowest:.4f} (target >= 0.98)")


if __name__ == "__main__":
    main()
