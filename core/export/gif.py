"""``export gif``: an animated GIF of any range of the video, rendered from the source.

The GIF is made the way the job's snippet GIFs are (``fps`` → lanczos ``scale`` → a palette
built for this range → ``paletteuse`` with error-diffusion dithering), at the job's width and
frame rate unless others are asked for. With a byte budget, a ladder of settings from the
best down to the smallest is searched by bisection (a GIF's size falls along it) for the
first that fits. Measured on gradients and motion (bench/export.py), fewer colours and
ordered dithering cost far more quality than a narrower picture, so the ladder first only
re-encodes unchanged areas as transparent rectangles (free on still shots), then narrows the
picture 10 % a step, slowing the frame rate a notch every third step; colours are reduced
only at its end.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..ffmpeg_locator import find_ffmpeg
from ..input_safety import Source
from ..probe import MediaInfo
from ..render import output_size
from .job import ExportJob
from .output import check_output_file, staged_file
from .source_args import output_url, read_source, seconds_arg
from .work import ProgressCallback, reporter, run_checked

MIN_WIDTH = 32
MIN_FPS = 2.0
DITHER_JOB = "sierra2_4a"  # paletteuse's default: what snippet GIFs use
# The same, re-encoding only the rectangle of each frame that changed.
DITHER_RECTANGLES = "sierra2_4a:diff_mode=rectangle"


@dataclass(frozen=True)
class GifSettings:
    width: int
    fps: float
    colors: int = 256
    dither: str = DITHER_JOB

    def describe(self) -> str:
        dither = self.dither.split(":")[0]
        fps = f"{self.fps:.2f}".rstrip("0").rstrip(".")
        changes = ", changed areas only" if "diff_mode=rectangle" in self.dither else ""
        return f"{self.width} px wide, {fps} fps, {self.colors} colours, {dither} dither{changes}"


@dataclass(frozen=True)
class GifResult:
    path: Path
    start: float
    end: float
    settings: GifSettings
    bytes: int
    tries: int  # GIFs rendered to find the settings


def gif_ladder(width: int, fps: float) -> list[GifSettings]:
    """Settings from ``width``/``fps`` at full quality down to the smallest tried. Frame
    rates stay whole centiseconds per frame, the unit of a GIF's frame delays."""
    delay = max(2, round(100 / fps))
    narrowest = min(MIN_WIDTH, width)
    ladder = [GifSettings(width, fps), GifSettings(width, fps, 256, DITHER_RECTANGLES)]
    step = 1
    while ladder[-1].width > narrowest or ladder[-1].fps > MIN_FPS:
        w = max(narrowest, round(width * 0.9**step / 2) * 2)
        f = round(max(MIN_FPS, 100 / round(delay * 1.15 ** (step // 3))), 2)
        candidate = GifSettings(w, min(fps, f), 256, DITHER_RECTANGLES)
        if candidate != ladder[-1]:
            ladder.append(candidate)
        step += 1
    ladder += [
        GifSettings(narrowest, MIN_FPS, 64, DITHER_RECTANGLES),
        GifSettings(narrowest, MIN_FPS, 16, "none:diff_mode=rectangle"),
    ]
    return ladder


def _args(
    exe: str, src: Source, info: MediaInfo, start: float, end: float, s: GifSettings, out: Path
) -> list[str]:
    read = read_source(exe, src, info, start, end - start)
    width, height = output_size(info, s.width)
    graph = (
        f"{read.video}{read.shift},fps=fps={s.fps:g}:round=up:start_time=0,"
        f"scale={width}:{height}:flags=lanczos,setsar=1,split[a][b];"
        f"[a]palettegen=max_colors={s.colors}[p];[b][p]paletteuse=dither={s.dither}[out]"
    )
    return [
        *read.args,
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-t",
        seconds_arg(end - start),
        "-loop",
        "0",
        "-f",
        "gif",
        output_url(out),
    ]


async def export_gif(
    job: ExportJob,
    start: float,
    end: float,
    output: Path,
    *,
    width: int | None = None,
    fps: float | None = None,
    max_bytes: int | None = None,
    source: Path | None = None,
    force: bool = False,
    ffmpeg: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> GifResult:
    """Render ``[start, end)`` as a GIF at ``output``; with ``max_bytes``, the best settings
    of :func:`gif_ladder` whose GIF fits."""
    job.check_range(start, end)
    if output.suffix.lower() != ".gif":
        raise UsageError(f"{output}: the name of a GIF must end with .gif")
    settings = job.manifest.settings
    want_width = settings.gif_width if width is None else width
    want_fps = float(settings.gif_fps if fps is None else fps)
    if not 16 <= want_width <= 4096:
        raise UsageError(f"--width must be between 16 and 4096 px (got {want_width})")
    if not 1 <= want_fps <= 50:
        raise UsageError(f"--fps must be between 1 and 50 (got {want_fps:g})")
    if max_bytes is not None and max_bytes < 1024:
        raise UsageError(f"--max-bytes must be at least 1024 (got {max_bytes})")
    check_output_file(output, force)
    exe = find_ffmpeg(ffmpeg)
    src, info = await job.open_source(source, exe)
    width_now = min(want_width, info.width)
    ladder = gif_ladder(width_now, want_fps) if max_bytes is not None else []
    what = f"{job.name} {seconds_arg(start)}–{seconds_arg(end)} s"
    # Bisection needs about log2(len) renders, plus the first and the last.
    budget = 2 + math.ceil(math.log2(max(2, len(ladder))))
    tries = 0
    in_file: GifSettings | None = None  # what the temporary file holds

    with staged_file(output, force) as tmp:

        async def render(s: GifSettings) -> int:
            nonlocal tries, in_file
            report = reporter(on_progress, min(tries, budget - 1) / budget, (tries + 1) / budget)
            if max_bytes is None:
                report = reporter(on_progress)
            tries += 1
            args = _args(exe, src, info, start, end, s, tmp)
            await run_checked(args, what, duration=end - start, on_progress=report)
            in_file = s
            return os.path.getsize(tmp)

        if max_bytes is None:
            chosen = GifSettings(width_now, want_fps)
            size = await render(chosen)
        else:
            chosen, size = await _fit(ladder, max_bytes, render, what)
            if in_file != chosen:  # bisection ended on another one
                size = await render(chosen)
    if on_progress is not None:
        on_progress(1.0)
    return GifResult(output, start, end, chosen, size, tries)


async def _fit(ladder: list[GifSettings], max_bytes: int, render, what: str):
    """The first settings of ``ladder`` whose GIF is within ``max_bytes``, by bisection."""
    size = await render(ladder[0])
    if size <= max_bytes:
        return ladder[0], size
    last = len(ladder) - 1
    smallest = await render(ladder[last])
    if smallest > max_bytes:
        raise UsageError(
            f"{what}: even the smallest GIF ({ladder[last].describe()}) takes {smallest} "
            f"bytes, more than --max-bytes {max_bytes}; choose a shorter range"
        )
    low, high, fits = 0, last, smallest  # ladder[low] is too big, ladder[high] fits
    while high - low > 1:
        middle = (low + high) // 2
        size = await render(ladder[middle])
        if size <= max_bytes:
            high, fits = middle, size
        else:
            low = middle
    return ladder[high], fits
