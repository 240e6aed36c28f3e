"""Exports: contact sheet and sprite set of a 3-hour job, and GIF quality at a byte budget.

1. Time to write a contact sheet (30 tiles; and one tile a minute, 180 tiles) and the seek-bar
   sprites (one thumbnail every 5 s: 2,160 on 22 sheets) of the synthetic 3-hour job of
   ``bench/scrub.py`` (10,800 real 640×360 JPEG stills), best of ``--repeat``. Targets:
   ≤ 2 s and ≤ 5 s. Reference in the same run: the same sheets made the plain way, each
   still decoded at full size and resized with Lanczos.
2. GIF at a byte budget: for three budgets, the GIF ``export gif --max-bytes`` chooses, and
   beside it ffmpeg's plain palette method (``fps,scale,palettegen,paletteuse``) at the same
   size and frame rate (what the budget saves), and the plain method at the requested rate
   made 10 % narrower at a time until it fits the budget (the obvious way to meet one).
   Quality is SSIM (ffmpeg's ``ssim`` filter) of each GIF against the very source frames it
   was made from, at its size and rate, kept losslessly: what the palette, the dithering and
   the encoding lost. The source is 8 s of 640×360 ``mandelbrot``
   zoom (smooth gradients and motion: hard for 256 colours).
3. Time to find the GIF within a budget, for the same three budgets, from that source and
   from the same zoom at 1920×1080 (what editors' footage is): ``export gif --max-bytes``
   (the range read once into a lossless clip, rungs guessed from the sizes found) against
   the reference in the same run, a bisection over the same ladder making every GIF from
   the source (the way the first version searched). Best of ``--repeat``.

usage: python bench/export.py [--cache DIR] [--repeat N] [--only sheets|quality|search]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scrub import build_job

from core.export import export_contact_sheet, export_gif, export_sprites, open_job
from core.export.contact_sheet import sheet_tiles
from core.export.gif import GifSettings, _args, gif_ladder
from core.export.source_args import read_source
from core.export.sprites import plan_cues
from core.export.work import run_checked
from core.ffmpeg_locator import find_ffmpeg
from core.manifest import DONE
from core.render import output_size
from core.runner import LocalRunner
from core.settings import Settings

TARGET_SHEET_S = 2.0
TARGET_SPRITES_S = 5.0
BUDGETS = (600_000, 250_000, 100_000)
GIF_WIDTH, GIF_FPS, GIF_RANGE = 480, 10, (1.0, 7.0)


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def plain_sheet(job, times: list[float], size: tuple[int, int], columns: int) -> None:
    """The reference: every still decoded at full size, Lanczos-resized, pasted."""
    rows = math.ceil(len(times) / columns)
    sheet = Image.new("RGB", (columns * size[0], rows * size[1]))
    for n, t in enumerate(times):
        with Image.open(io.BytesIO(job.read_still(job.still_at(t)))) as image:
            tile = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        sheet.paste(tile, ((n % columns) * size[0], (n // columns) * size[1]))
    sheet.save(io.BytesIO(), "JPEG", quality=80)


def sheets(cache: Path, repeat: int) -> list[str]:
    job = open_job(build_job(cache))
    out = Path(tempfile.mkdtemp(prefix="bench-export-"))
    rows = []
    for label, options in (("30 tiles", {}), ("180 tiles (--every 60)", {"every": 60.0})):
        seconds = best_of(repeat, lambda o=options: asyncio.run(
            export_contact_sheet(job, out / "sheet.jpg", force=True, **o)))  # fmt: skip
        times = [tile.time for tile in sheet_tiles(job, **options)]
        plain = best_of(repeat, lambda t=times: plain_sheet(job, t, (320, 180), 5))
        rows.append(("contact sheet, " + label, seconds, plain, TARGET_SHEET_S))
    seconds = best_of(repeat, lambda: asyncio.run(
        export_sprites(job, out / "sprites", force=True)))  # fmt: skip
    cues = plan_cues(job.duration, 5.0, 160, 90)
    plain = best_of(1, lambda: plain_sheet(job, [c.start_ms / 1000 for c in cues], (160, 90), 10))
    rows.append(("sprites, 2,160 thumbnails", seconds, plain, TARGET_SPRITES_S))
    lines = ["| export | FrameFan | plain (reference) | speed-up | target |"]
    lines.append("|---|---|---|---|---|")
    for name, ours, ref, target in rows:
        ok = "met" if ours <= target else "MISSED"
        lines.append(f"| {name} | {ours:.2f} s | {ref:.2f} s | {ref / ours:.1f}× | "
                     f"≤ {target:g} s, {ok} |")  # fmt: skip
    return lines


def quality_job(cache: Path, size: str = "640x360") -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    folder = cache / f"gif-quality-{size}"
    video = cache / f"mandelbrot-{size}.mp4"
    if not video.exists():
        # The zoom is drawn at 640×360 (drawing it is slow) and enlarged for other sizes.
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"mandelbrot=s=640x360:r=25,trim=duration=8,scale={size.replace('x', ':')}",
             "-c:v", "libx264", "-crf", "16", "-pix_fmt", "yuv420p", str(video)],
            check=True,
        )  # fmt: skip
    runner = LocalRunner(Settings(snippet_seconds=8), workers=2)
    manifest = asyncio.run(runner.run_job(video, folder))
    assert manifest.status == DONE, manifest.error
    return folder


def ssim(gif: Path, frames: Path) -> float:
    """SSIM of a GIF against ``frames``: the very pictures it was made from, losslessly."""
    graph = "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]ssim=shortest=1"
    result = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(gif), "-i", str(frames),
         "-lavfi", graph, "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(re.search(r"All:([\d.]+)", result.stderr)[1])


def our_frames(job, settings: GifSettings, out: Path) -> Path:
    """The source frames an exported GIF is made of (same reading, rate and scaling, before
    the palette), kept losslessly."""
    exe = find_ffmpeg()
    src, info = asyncio.run(job.open_source())
    start, end = GIF_RANGE
    read = read_source(exe, src, info, start, end - start)
    width, height = output_size(info, settings.width)
    graph = (
        f"{read.video}{read.shift},fps=fps={settings.fps:g}:round=up:start_time=0,"
        f"scale={width}:{height}:flags=lanczos,setsar=1[out]"
    )
    args = [*read.args, "-filter_complex", graph, "-map", "[out]", "-t", str(end - start)]
    subprocess.run([*args, "-c:v", "ffv1", "-f", "matroska", str(out)], check=True,
                   capture_output=True)  # fmt: skip
    return out


def plain_frames(source: Path, width: int, fps: float, out: Path) -> Path:
    start, end = GIF_RANGE
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-ss", str(start),
         "-t", str(end - start), "-i", str(source), "-vf",
         f"fps={fps},scale={width}:{round(width * 360 / 640)}:flags=lanczos",
         "-c:v", "ffv1", str(out)],
        check=True,
    )  # fmt: skip
    return out


def plain_gif(source: Path, out: Path, width: int, fps: float) -> tuple[int, int, int]:
    """ffmpeg's plain palette method at ``width``/``fps``: (width, height, bytes)."""
    start, end = GIF_RANGE
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-ss", str(start),
         "-t", str(end - start), "-i", str(source), "-vf",
         f"fps={fps},scale={width}:{round(width * 360 / 640)}:flags=lanczos,split[a][b];"
         "[a]palettegen[p];"
         "[b][p]paletteuse", str(out)],
        check=True,
    )  # fmt: skip
    with Image.open(out) as image:
        return image.width, image.height, out.stat().st_size


def plain_fitting(source: Path, out: Path, budget: int) -> tuple[int, int, int]:
    """The plain method made 10 % narrower at a time until it fits ``budget``."""
    width = GIF_WIDTH
    while True:
        found = plain_gif(source, out, width, GIF_FPS)
        if found[2] <= budget or width <= 32:
            return found
        width = max(32, round(width * 0.9 / 2) * 2)


def gif_quality(cache: Path) -> list[str]:
    job = open_job(quality_job(cache, "640x360"))
    source = Path(str(job.manifest.source.path))
    out = Path(tempfile.mkdtemp(prefix="bench-gif-"))
    lines = [
        "| budget | FrameFan: settings chosen | bytes | SSIM | renders, time "
        "| plain method, same size and rate: bytes | SSIM "
        "| plain method narrowed to fit | bytes | SSIM |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for budget in BUDGETS:
        began = time.perf_counter()
        ours = asyncio.run(export_gif(job, *GIF_RANGE, out / "ours.gif", width=GIF_WIDTH,
                                      fps=GIF_FPS, max_bytes=budget, force=True))  # fmt: skip
        spent = time.perf_counter() - began
        fps = ours.settings.fps
        with Image.open(ours.path) as image:
            size = image.size
        our_ssim = ssim(ours.path, our_frames(job, ours.settings, out / "ours.mkv"))
        _, _, same_bytes = plain_gif(source, out / "same.gif", size[0], fps)
        same_ssim = ssim(out / "same.gif", plain_frames(source, size[0], fps, out / "same.mkv"))
        width, _, fit_bytes = plain_fitting(source, out / "fit.gif", budget)
        fit_ssim = ssim(out / "fit.gif", plain_frames(source, width, GIF_FPS, out / "fit.mkv"))
        lines.append(
            f"| {budget / 1000:g} kB | {ours.settings.describe()} | {ours.bytes:,} | "
            f"{our_ssim:.3f} | {ours.tries}, {spent:.1f} s | {same_bytes:,} | {same_ssim:.3f} "
            f"| {width} px, {GIF_FPS} fps | {fit_bytes:,} | {fit_ssim:.3f} |"
        )
    return lines


async def bisection_from_source(job, out: Path, budget: int) -> tuple[GifSettings, int]:
    """The reference search: bisection over the same ladder, every GIF made from the source,
    the chosen one made again if the last made was another. Returns it and the GIFs made."""
    exe = find_ffmpeg()
    src, info = await job.open_source(None, exe)
    start, end = GIF_RANGE
    ladder = gif_ladder(min(GIF_WIDTH, info.width), float(GIF_FPS))
    made: list[GifSettings] = []

    async def size(settings: GifSettings) -> int:
        made.append(settings)
        await run_checked(_args(exe, src, info, start, end, settings, out), "reference")
        return out.stat().st_size

    if await size(ladder[0]) <= budget:
        return ladder[0], len(made)
    low, high = 0, len(ladder) - 1
    assert await size(ladder[high]) <= budget
    while high - low > 1:
        middle = (low + high) // 2
        if await size(ladder[middle]) <= budget:
            high = middle
        else:
            low = middle
    if made[-1] != ladder[high]:
        await size(ladder[high])
    return ladder[high], len(made)


def timed(work) -> tuple[float, object]:
    began = time.perf_counter()
    result = asyncio.run(work)
    return time.perf_counter() - began, result


def search_times(cache: Path, repeat: int) -> list[str]:
    lines = [
        "| source | budget | FrameFan: GIFs made, time | reference: GIFs made, time | speed-up "
        "| same choice |",
        "|---|---|---|---|---|---|",
    ]
    out = Path(tempfile.mkdtemp(prefix="bench-search-"))
    for size in ("640x360", "1920x1080"):
        job = open_job(quality_job(cache, size))
        for budget in BUDGETS:
            mine, ref = [], []
            # Alternately, so that other work on the same CPUs weighs on both alike.
            for _ in range(repeat):
                mine.append(timed(export_gif(
                    job, *GIF_RANGE, out / "ours.gif", width=GIF_WIDTH, fps=GIF_FPS,
                    max_bytes=budget, force=True,
                )))  # fmt: skip
                ref.append(timed(bisection_from_source(job, out / "ref.gif", budget)))
            (ours_s, ours) = min(mine, key=lambda m: m[0])
            (ref_s, (chosen, made)) = min(ref, key=lambda r: r[0])
            same = "yes" if ours.settings == chosen else "no"
            lines.append(
                f"| {size} | {budget / 1000:g} kB | {ours.tries}, {ours_s:.1f} s "
                f"| {made}, {ref_s:.1f} s | {ref_s / ours_s:.1f}× | {same} |"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--cache", type=Path, default=root / ".bench-cache")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("sheets", "quality", "search"))
    args = parser.parse_args()
    parts = {
        "sheets": lambda: sheets(args.cache, args.repeat),
        "quality": lambda: gif_quality(args.cache),
        "search": lambda: search_times(args.cache, args.repeat),
    }
    for name, part in parts.items():
        if args.only in (None, name):
            for line in part():
                print(line, flush=True)
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
