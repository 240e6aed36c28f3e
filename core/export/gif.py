"""``export gif``: an animated GIF of any range of the video, rendered from the source.

The GIF is made the way the job's snippet GIFs are (``fps`` → lanczos ``scale`` → a palette
built for this range → ``paletteuse`` with error-diffusion dithering), at the job's width and
frame rate unless others are asked for. With a byte budget, a ladder of settings from the
best down to the smallest is searched for the first that fits (a GIF's size falls along
it). Measured on gradients and motion (bench/export.py), fewer colours and
ordered dithering cost far more quality than a narrower picture, so the ladder first only
re-encodes unchanged areas as transparent rectangles (free on still shots), then narrows the
picture 10 % a step, slowing the frame rate a notch every third step; colours are reduced
only at its end.

The search is quick: the range is decoded from the source once, at the size the ladder
starts from, into a lossless clip of all its pictures (FFV1, in a temporary folder beside the
output), and every GIF tried is made from that clip, picking the same pictures it would
from the source; each rung is guessed from the sizes found so far (the
logarithm of a GIF's size falls about evenly along the ladder), bisecting only when guesses
keep landing on one side; and the GIF kept is the one measured, never made again. A 6 s
range takes 3–5 GIFs instead of 8 (see bench/export.py).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..ffmpeg_locator import find_ffmpeg
from ..ffmpeg_process import BASE_ARGS
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


def _pictures(info: MediaInfo, s: GifSettings) -> str:
    """The filters making the GIF's pictures: its frame rate, then its size."""
    width, height = output_size(info, s.width)
    return f"fps=fps={s.fps:g}:round=up:start_time=0,scale={width}:{height}:flags=lanczos,setsar=1"


def _palette(s: GifSettings) -> str:
    return (
        f"split[a][b];[a]palettegen=max_colors={s.colors}[p];"
        f"[b][p]paletteuse=dither={s.dither}[out]"
    )


def _gif_output(start: float, end: float, out: Path) -> list[str]:
    return ["-map", "[out]", "-t", seconds_arg(end - start), "-loop", "0", "-f", "gif",
            output_url(out)]  # fmt: skip


def _args(
    exe: str, src: Source, info: MediaInfo, start: float, end: float, s: GifSettings, out: Path
) -> list[str]:
    """A GIF of the range, from the source."""
    read = read_source(exe, src, info, start, end - start)
    graph = f"{read.video}{read.shift},{_pictures(info, s)},{_palette(s)}"
    return [*read.args, "-filter_complex", graph, *_gif_output(start, end, out)]


def _range_args(
    exe: str, src: Source, info: MediaInfo, start: float, end: float, s: GifSettings, out: Path
) -> tuple[list[str], str]:
    """Every source picture of the range, at ``s``'s size, losslessly, in the source's own
    colour format and with their own timestamps: each GIF made from them picks the very
    pictures it would pick from the source, and converts their colours the same way (a
    first version kept RGB here, and lost 0.03 of SSIM to the other chroma handling).
    Returns the arguments and the filter that puts the range's start at time 0 when
    reading them."""
    read = read_source(exe, src, info, start, end - start)
    width, height = output_size(info, s.width)
    graph = f"{read.video}scale={width}:{height}:flags=lanczos,setsar=1[out]"
    args = [*read.args, "-filter_complex", graph, "-map", "[out]", "-fps_mode", "passthrough",
            "-enc_time_base:v", "filter", "-t", seconds_arg(end - start + read.preroll),
            "-c:v", "ffv1", "-f", "nut", output_url(out)]  # fmt: skip
    return args, read.shift


def _from_range_args(
    exe: str, frames: Path, shift: str, info: MediaInfo, start: float, end: float,
    s: GifSettings, out: Path,
) -> list[str]:  # fmt: skip
    """A GIF made from the range's lossless pictures (see :func:`_range_args`)."""
    args = [exe, *BASE_ARGS, "-y", "-loglevel", "error", "-progress", "pipe:1"]
    args += ["-f", "nut", "-i", output_url(frames)]
    graph = f"[0:v]{shift},{_pictures(info, s)},{_palette(s)}"
    return [*args, "-filter_complex", graph, *_gif_output(start, end, out)]


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
    what = f"{job.name} {seconds_arg(start)}–{seconds_arg(end)} s"
    if max_bytes is None:
        chosen = GifSettings(width_now, want_fps)
        with staged_file(output, force) as tmp:
            args = _args(exe, src, info, start, end, chosen, tmp)
            await run_checked(args, what, duration=end - start, on_progress=on_progress)
            size = os.path.getsize(tmp)
        if on_progress is not None:
            on_progress(1.0)
        return GifResult(output, start, end, chosen, size, 1)

    ladder = gif_ladder(width_now, want_fps)
    # Reading the range, then GIFs: about as many as a bisection would make, at most.
    budget = 1 + 2 + math.ceil(math.log2(max(2, len(ladder))))
    tries = 0

    with (
        staged_file(output, force) as tmp,
        tempfile.TemporaryDirectory(prefix=".framefan-gif-", dir=output.parent) as scratch,
    ):
        frames = Path(scratch) / "range.nut"
        args, shift = _range_args(exe, src, info, start, end, ladder[0], frames)
        report = reporter(on_progress, 0.0, 1 / budget)
        await run_checked(args, what, duration=end - start, on_progress=report)

        async def render(rung: int) -> Path:
            nonlocal tries
            done = min(tries + 1, budget - 1)
            report = reporter(on_progress, done / budget, (done + 1) / budget)
            tries += 1
            gif = Path(scratch) / f"rung-{rung}.gif"
            args = _from_range_args(exe, frames, shift, info, start, end, ladder[rung], gif)
            await run_checked(args, what, duration=end - start, on_progress=report)
            return gif

        rung, gif = await _fit(ladder, max_bytes, render, what)
        chosen, size = ladder[rung], gif.stat().st_size
        os.replace(gif, tmp)
    if on_progress is not None:
        on_progress(1.0)
    return GifResult(output, start, end, chosen, size, tries)


async def _fit(
    ladder: list[GifSettings],
    max_bytes: int,
    render: Callable[[int], Awaitable[Path]],
    what: str,
) -> tuple[int, Path]:
    """The first rung of ``ladder`` whose GIF (``render(rung)`` makes it) is within
    ``max_bytes``, and that GIF.

    The smallest GIF is made first (it is quick, and if even it does not fit, nothing
    does); then each rung tried is the one the sizes found so far point to, the
    logarithm of a GIF's size taken to fall evenly along the ladder; a guess that did not
    halve the rungs left is followed by the middle one, so the search never takes more
    than twice a bisection's GIFs. The widest rungs, the slowest to make, are made only
    when the budget may reach them."""
    made: dict[int, Path] = {}
    sizes: dict[int, int] = {}

    async def fits(rung: int) -> bool:
        made[rung] = await render(rung)
        sizes[rung] = made[rung].stat().st_size
        return sizes[rung] <= max_bytes

    last = len(ladder) - 1
    if not await fits(last):
        raise UsageError(
            f"{what}: even the smallest GIF ({ladder[last].describe()}) takes {sizes[last]} "
            f"bytes, more than --max-bytes {max_bytes}; choose a shorter range"
        )
    low, high = -1, last  # ladder[high] fits, ladder[low] does not (-1: none tried yet)
    halved = True
    while high - low > 1:
        if halved:
            rung = _guess(ladder, sizes, low, high, max_bytes)
        else:
            rung = (low + high + 1) // 2 if low >= 0 else high // 2
        before = high - low
        if await fits(rung):
            high = rung
        else:
            low = rung
        halved = 2 * (high - low) <= before
    return high, made[high]


def _guess(
    ladder: list[GifSettings], sizes: dict[int, int], low: int, high: int, max_bytes: int
) -> int:
    """The first rung strictly between ``low`` and ``high`` expected to fit ``max_bytes``,
    from the sizes measured: the logarithm of the size taken as falling evenly between the
    two measured rungs nearest to ``low`` and ``high`` (from one measured rung: as the
    pixels per second fall)."""
    measured = sorted(sizes)
    if low >= 0:
        a, b = low, high
    elif len(measured) >= 2:
        a, b = measured[0], measured[1]
    else:
        a = b = high

    def expected(rung: int) -> float:
        if a == b:
            pixels = ladder[rung].width ** 2 * ladder[rung].fps
            base = ladder[a].width ** 2 * ladder[a].fps
            return math.log(sizes[a]) + math.log(pixels / base)
        slope = (math.log(sizes[b]) - math.log(sizes[a])) / (b - a)
        return math.log(sizes[a]) + slope * (rung - a)

    target = math.log(max_bytes)
    for rung in range(low + 1, high):
        if expected(rung) <= target:
            return rung
    return high - 1
