"""``export contact-sheet``: a grid of stills, each labelled with its time, under a header
describing the video; or one tile per mark, labelled with its name.

Built from the job's stored stills (the source video is not needed). PNG and JPEG give one
picture; PDF gives pages of at most :data:`PDF_ROWS` rows, each with the header.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

from ..errors import UsageError
from ..timefmt import format_clock
from .job import ExportJob
from .output import check_output_file, staged_file
from .pictures import fit_text, font, thumbnails, tile_size
from .still import IMAGE_FORMATS
from .work import ProgressCallback, Steps, in_thread

SHEET_FORMATS = {**IMAGE_FORMATS, ".pdf": "PDF"}
DEFAULT_COLUMNS = 5
DEFAULT_COUNT = 30
MAX_TILES = 2000
TILE_WIDTH = 320
MARGIN = 24
GAP = 12
PDF_ROWS = 6
PDF_DPI = 150
BACKGROUND = (24, 24, 27)
TEXT = (236, 236, 240)
DIM = (160, 160, 170)


@dataclass(frozen=True)
class Tile:
    time: float
    caption: str
    detail: str = ""


@dataclass(frozen=True)
class SheetResult:
    path: Path
    tiles: int
    pages: int
    width: int
    height: int


def sheet_tiles(
    job: ExportJob, *, every: float | None = None, count: int | None = None, marks: bool = False
) -> list[Tile]:
    """What the sheet shows: evenly spread times (``count``), one every ``every`` seconds,
    or the job's marks."""
    if marks:
        found = job.marks()
        if not found:
            raise UsageError(f"{job.job_dir}: the job has no marks")
        return [
            Tile(
                m.start,
                m.name or f"Mark {n}",
                job.label(m.start) + (f" - {job.label(m.end)}" if m.end is not None else ""),
            )
            for n, m in enumerate(found, 1)
        ]
    if every is not None:
        if not every > 0:
            raise UsageError(f"--every must be more than 0 seconds (got {every:g})")
        times = [n * every for n in range(math.ceil(job.duration / every - 1e-9))]
    else:
        count = DEFAULT_COUNT if count is None else count
        if count < 1:
            raise UsageError(f"--count must be at least 1 (got {count})")
        # Mid-way through each of `count` equal parts: no black first frame, no end card.
        times = [(n + 0.5) * job.duration / count for n in range(count)]
    if len(times) > MAX_TILES:
        raise UsageError(f"{len(times)} tiles is more than {MAX_TILES}; choose a larger --every")
    # Each tile is labelled with the time of the still it shows.
    shown = dict.fromkeys(job.still_at(t).t for t in times)
    return [Tile(t, job.label(t)) for t in shown]


def _header_lines(job: ExportJob) -> tuple[str, str]:
    source = job.manifest.source
    parts = [f"Duration {format_clock(job.duration)}"]
    if source.width and source.height:
        parts.append(f"{source.width} x {source.height}")
    if source.codec:
        parts.append(source.codec)
    if job.fps:
        parts.append(f"{job.fps:.3f}".rstrip("0").rstrip(".") + " fps")
    if job.has_timecode:
        parts.append(f"TC {source.timecode}")
    created = _date(job.manifest.created)
    if created:
        parts.append(created)
    return job.name, "  ·  ".join(parts)


def _date(text: str) -> str:
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d")
    except ValueError:
        return ""


class _Layout:
    def __init__(self, job: ExportJob, columns: int, tiles: list[Tile]) -> None:
        self.tile_w, self.tile_h = tile_size(job, TILE_WIDTH)
        self.columns = min(columns, len(tiles))
        self.title_font, self.info_font = font(26), font(15)
        self.caption_font, self.detail_font = font(15), font(12)
        self.detail = any(t.detail for t in tiles)
        self.caption_h = 24 + (18 if self.detail else 0)
        self.header_h = 78
        self.width = 2 * MARGIN + self.columns * self.tile_w + (self.columns - 1) * GAP
        self.cell_h = self.tile_h + self.caption_h + GAP

    def height(self, rows: int) -> int:
        return self.header_h + MARGIN + rows * self.cell_h - GAP + MARGIN


def _draw_page(job: ExportJob, tiles: list[Tile], layout: _Layout, steps, done: int, total: int):
    rows = math.ceil(len(tiles) / layout.columns)
    page = Image.new("RGB", (layout.width, layout.height(rows)), BACKGROUND)
    draw = ImageDraw.Draw(page)
    title, info = _header_lines(job)
    width = layout.width - 2 * MARGIN
    draw.text((MARGIN, MARGIN), fit_text(title, layout.title_font, width), TEXT, layout.title_font)
    draw.text((MARGIN, MARGIN + 36), fit_text(info, layout.info_font, width), DIM, layout.info_font)
    frames = [job.still_at(tile.time) for tile in tiles]
    pictures = thumbnails(job, frames, layout.tile_w, layout.tile_h)
    for n, (tile, picture) in enumerate(zip(tiles, pictures, strict=True)):
        row, column = divmod(n, layout.columns)
        x = MARGIN + column * (layout.tile_w + GAP)
        y = layout.header_h + MARGIN + row * layout.cell_h
        page.paste(picture, (x, y))
        caption = fit_text(tile.caption, layout.caption_font, layout.tile_w)
        draw.text((x, y + layout.tile_h + 5), caption, TEXT, layout.caption_font)
        if tile.detail:
            detail = fit_text(tile.detail, layout.detail_font, layout.tile_w)
            draw.text((x, y + layout.tile_h + 25), detail, DIM, layout.detail_font)
        steps.done((done + n + 1) / total)
    return page


async def export_contact_sheet(
    job: ExportJob,
    output: Path,
    *,
    columns: int = DEFAULT_COLUMNS,
    every: float | None = None,
    count: int | None = None,
    marks: bool = False,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
) -> SheetResult:
    """Write a contact sheet of the job to ``output`` (.png, .jpg or .pdf)."""
    fmt = SHEET_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise UsageError(f"{output}: a contact sheet's name must end with .png, .jpg or .pdf")
    if not 1 <= columns <= 20:
        raise UsageError(f"--columns must be between 1 and 20 (got {columns})")
    if every is not None and count is not None:
        raise UsageError("give --every or --count, not both")
    tiles = sheet_tiles(job, every=every, count=count, marks=marks)
    check_output_file(output, force)
    job.still_at(0.0)  # a job without stills is a usage error, before any work

    def build(steps: Steps) -> SheetResult:
        layout = _Layout(job, columns, tiles)
        per_page = layout.columns * PDF_ROWS if fmt == "PDF" else len(tiles)
        pages = [
            _draw_page(job, tiles[i : i + per_page], layout, steps, i, len(tiles))
            for i in range(0, len(tiles), per_page)
        ]
        with staged_file(output, force) as tmp:
            if fmt == "PDF":
                pages[0].save(
                    tmp, "PDF", save_all=True, append_images=pages[1:], resolution=PDF_DPI,
                    title=job.name, creator="FrameFan",
                )  # fmt: skip
            else:
                pages[0].save(tmp, fmt, quality=90)
        return SheetResult(output, len(tiles), len(pages), pages[0].width, pages[0].height)

    result = await in_thread(build, on_progress)
    if on_progress is not None:
        on_progress(1.0)
    return result
