"""Local processing throughput: FrameFan against the reference method and the decode bound.

Generates (once, cached in .bench-cache/) a 1280x720 30 fps H.264 clip (5 minutes by
default, --minutes 2 for the short one), then measures in one run, alternately (a, b, c, d,
then again: other work on the same CPUs weighs on each alike), best of --repeat each:

  (a) the reference sample's serial method: per 30 s snippet, one ffmpeg call for the GIF
      and one for the stills, with its exact filters and options, full-size stills;
  (b) FrameFan with reference-equivalent settings (full-size stills, 240 px 10 fps GIFs,
      30 s snippets), run as a user does: the `framefan process` command, its start, the
      probe and the overview pass included;
  (c) the same with FrameFan's default settings;
  (d) the bound: a plain full decode of the clip (ffmpeg -i clip -f null -).

and prints the ratios a/b (speed-up over the reference method; target >= 2.2) and b/d
(cost over a bare decode; target <= 1.4), with the load average of each round.

usage: python bench/local_throughput.py [--minutes 5] [--repeat 3] [--workers N]
"""

from __future__ import annotations

import argparse
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
from core.runner import default_workers  # noqa: E402
from core.settings import Settings  # noqa: E402

CACHE = ROOT / ".bench-cache"
SNIPPET = 30


def make_clip(ffmpeg: str, minutes: float, gop_seconds: float | None = None) -> Path:
    """The cached test clip: ``minutes`` of 1280x720 at 30 fps, a keyframe every 250 pictures
    (x264's default, scene cuts aside) or every ``gop_seconds`` exactly."""
    gop = f"-gop{gop_seconds:g}s" if gop_seconds else ""
    path = CACHE / f"clip-{minutes:g}min-720p30{gop}.mp4"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    print(f"generating {path.name} (once)…", file=sys.stderr)
    keyframes = ["-g", "250"]
    if gop_seconds:
        every = str(round(gop_seconds * 30))
        keyframes = ["-g", every, "-keyint_min", every, "-sc_threshold", "0"]
    # Moving test pattern with temporal noise: content that costs a realistic amount to
    # decode, unlike a static colour.
    source = "testsrc2=s=1280x720:r=30,noise=alls=12:allf=t+u"
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", source, "-t", str(minutes * 60),
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", *keyframes,
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


def framefan_command() -> list[str]:
    """The ``framefan`` command as installed beside this Python (what a user runs)."""
    script = Path(sys.executable).with_name("framefan")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from core.cli import main; main()"]


def framefan(clip: Path, settings: Settings, workers: int, out: Path) -> None:
    options = [
        f"--{k.replace('_', '-')}={v}" for k, v in settings.to_strings().items() if k != "frames"
    ]
    command = [*framefan_command(), "process", "--out", str(out), "--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([*command, *options, str(clip)], check=True, env=env, stdout=subprocess.DEVNULL)


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


def load_average() -> str:
    """The 1-minute load average: how much other work shares the CPUs."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each is kept")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()

    ffmpeg = find_ffmpeg()
    clip = make_clip(ffmpeg, args.minutes)
    duration = args.minutes * 60
    equivalent = Settings(snippet_seconds=SNIPPET, gif_fps=10, gif_width=240, frame_width=0)
    defaults = Settings()

    methods = {
        "a": lambda w: reference_method(ffmpeg, clip, duration, w),
        "b": lambda w: framefan(clip, equivalent, args.workers, w),
        "c": lambda w: framefan(clip, defaults, args.workers, w),
        "d": lambda w: decode_bound(ffmpeg, clip),
    }
    times: dict[str, list[float]] = {key: [] for key in methods}
    print(f"machine: {machine()}")
    print(f"ffmpeg {ffmpeg_version(ffmpeg)}; clip {clip.name}; workers {args.workers}")
    for round_ in range(args.repeat):
        for key, method in methods.items():
            work = Path(tempfile.mkdtemp(prefix="framefan-bench-"))
            try:
                times[key].append(timed(method, work))
            finally:
                shutil.rmtree(work, ignore_errors=True)
        took = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
        print(f"round {round_ + 1}: {took}; load average {load_average()}")
    a, b, c, d = (min(times[key]) for key in "abcd")
    print(f"best of {args.repeat}:")
    print(f"(a) reference serial method      {a:7.2f} s")
    print(f"(b) FrameFan, reference settings {b:7.2f} s")
    print(f"(c) FrameFan, default settings   {c:7.2f} s")
    print(f"(d) decode bound                 {d:7.2f} s")
    print(f"a/b = {a / b:.2f}  (speed-up over the reference method; target >= 2.2)")
    print(f"b/d = {b / d:.2f}  (cost over a bare decode; target <= 1.4)")
    print(f"c/d = {c / d:.2f}")


if __name__ == "__main__":
    main()
