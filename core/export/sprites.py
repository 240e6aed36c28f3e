"""``export sprites``: seek-bar thumbnails for web players.

Writes sprite sheets (``sprite-000.jpg``, …: grids of thumbnails, each sheet at most
:data:`MAX_SHEET_PIXELS`, which every browser decodes, phones included) and
``thumbnails.vtt``, a WebVTT file whose cues tile the whole video without gaps, each naming
its thumbnail as ``sprite-000.jpg#xywh=x,y,w,h``: the format Video.js, JW Player, Plyr and
Bitmovin read. Built from the job's stored stills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..errors import UsageError
from .job import ExportJob
from .output import staged_dir
from .pictures import thumbnails, tile_size
from .work import ProgressCallback, Steps, in_thread

VTT_NAME = "thumbnails.vtt"
MAX_SHEET_PIXELS = 16_700_000
SHEET_COLUMNS = 10
SHEET_ROWS = 10  # a sheet is at most 10 × 10 thumbnails: smaller files load sooner
DEFAULT_EVERY = 5.0
DEFAULT_WIDTH = 160
MAX_THUMBNAILS = 20_000


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    sheet: str
    x: int
    y: int
    w: int
    h: int

    def text(self) -> str:
        return (
            f"{vtt_time(self.start_ms)} --> {vtt_time(self.end_ms)}\n"
            f"{self.sheet}#xywh={self.x},{self.y},{self.w},{self.h}\n"
        )


@dataclass(frozen=True)
class SpritesResult:
    folder: Path
    sheets: list[str]
    cues: list[Cue]
    thumb_width: int
    thumb_height: int


def vtt_time(ms: int) -> str:
    seconds, milli = divmod(ms, 1000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}.{milli:03d}"


def plan_cues(duration: float, every: float, w: int, h: int) -> list[Cue]:
    """Cues ``[k × every, (k + 1) × every)`` up to ``duration``, on sheets of at most
    :data:`SHEET_COLUMNS` × rows thumbnails (fewer rows for large thumbnails)."""
    end_ms = round(duration * 1000)
    count = max(1, math.ceil(end_ms / round(every * 1000)))
    rows = max(1, min(SHEET_ROWS, MAX_SHEET_PIXELS // (SHEET_COLUMNS * w * h)))
    per_sheet = SHEET_COLUMNS * rows
    cues = []
    for k in range(count):
        sheet, place = divmod(k, per_sheet)
        row, column = divmod(place, SHEET_COLUMNS)
        start = round(k * every * 1000)
        stop = end_ms if k == count - 1 else round((k + 1) * every * 1000)
        cues.append(Cue(start, stop, sheet_name(sheet), column * w, row * h, w, h))
    return cues


def sheet_name(index: int) -> str:
    return f"sprite-{index:03d}.jpg"


def vtt_text(cues: list[Cue]) -> str:
    return "WEBVTT\n\n" + "\n".join(cue.text() for cue in cues)


def write_sprites(
    job: ExportJob, folder: Path, every: float, width: int, steps: Steps, base: float = 0.0,
    share: float = 1.0,
) -> SpritesResult:  # fmt: skip
    """Write the sheets and the VTT file into ``folder`` (which exists); blocking."""
    w, h = tile_size(job, width)
    if w * h > MAX_SHEET_PIXELS:
        raise UsageError(f"--width {width} makes thumbnails too large for a sprite sheet")
    cues = plan_cues(job.duration, every, w, h)
    sheets: list[str] = []
    by_sheet: dict[str, list[Cue]] = {}
    for cue in cues:
        by_sheet.setdefault(cue.sheet, []).append(cue)
    done = 0
    for name, members in by_sheet.items():
        columns = min(SHEET_COLUMNS, len(members))
        rows = math.ceil(len(members) / SHEET_COLUMNS)
        sheet = Image.new("RGB", (columns * w, rows * h))
        # The picture on screen in the middle of each cue's interval.
        frames = [job.still_at((cue.start_ms + cue.end_ms) / 2000) for cue in members]
        for cue, picture in zip(members, thumbnails(job, frames, w, h), strict=True):
            sheet.paste(picture, (cue.x, cue.y))
            done += 1
            steps.done(base + share * done / len(cues))
        sheet.save(folder / name, "JPEG", quality=80)
        sheets.append(name)
    (folder / VTT_NAME).write_text(vtt_text(cues), encoding="utf-8")
    return SpritesResult(folder, sheets, cues, w, h)


def check_sprite_options(job: ExportJob, every: float, width: int) -> None:
    if not every > 0:
        raise UsageError(f"--every must be more than 0 seconds (got {every:g})")
    if not 16 <= width <= 1920:
        raise UsageError(f"--width must be between 16 and 1920 px (got {width})")
    if job.duration / every > MAX_THUMBNAILS:
        raise UsageError(
            f"one thumbnail every {every:g} s makes more than {MAX_THUMBNAILS}; "
            "choose a larger --every"
        )
    job.still_at(0.0)  # a job without stills is a usage error


async def export_sprites(
    job: ExportJob,
    folder: Path,
    *,
    every: float = DEFAULT_EVERY,
    width: int = DEFAULT_WIDTH,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
) -> SpritesResult:
    """Write sprite sheets and ``thumbnails.vtt`` into the new folder ``folder``."""
    check_sprite_options(job, every, width)

    def build(steps: Steps) -> SpritesResult:
        with staged_dir(folder, force, VTT_NAME) as tmp:
            result = write_sprites(job, tmp, every, width, steps)
        return SpritesResult(folder, result.sheets, result.cues, result.thumb_width,
                             result.thumb_height)  # fmt: skip

    result = await in_thread(build, on_progress)
    if on_progress is not None:
        on_progress(1.0)
    return result
