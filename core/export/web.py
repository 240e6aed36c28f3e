"""``export web``: a static page to share a job with an editor's team.

A folder with ``index.html``, its stylesheet and script (``resources/web/``), the job's stills
and GIFs, and seek-bar sprites: nothing is loaded from the internet and no server is needed,
so the folder can be opened from disk (``file://``), zipped, or put on any web host. The
job's data is embedded in the page as JSON (a ``file://`` page cannot fetch files beside it
in every browser); every text from the job is written into the page as data and shown with
``textContent``, never as HTML.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..paths import resource_path
from ..safe_read import read_recorded_file
from ..timefmt import format_clock
from .job import MAX_GIF_BYTES, ExportJob
from .output import staged_dir
from .sprites import DEFAULT_WIDTH, check_sprite_options, write_sprites
from .work import ProgressCallback, Steps, in_thread

PAGE_FILES = ("player.css", "player.js")
MARKER = "player.js"  # identifies a folder written by this export
SPRITE_EVERY_MIN = 2.0
SPRITE_COUNT_TARGET = 600  # hover thumbnails for a whole video: enough to find one's way
SPRITES_DIR = "sprites"
# A file's path in the page's folder (``frames/000001.jpg``) → the address the page names it
# by: the path itself for a folder on disk, a presigned link for a published page.
Locate = Callable[[str], str]


def _same(relpath: str) -> str:
    return relpath


@dataclass(frozen=True)
class WebResult:
    folder: Path
    stills: int
    gifs: int
    marks: int


def _sprite_every(job: ExportJob) -> float:
    """Hover thumbnails every few seconds: a multiple of the still interval giving about
    :data:`SPRITE_COUNT_TARGET` of them."""
    interval = job.manifest.settings.frame_interval
    wanted = max(SPRITE_EVERY_MIN, job.duration / SPRITE_COUNT_TARGET)
    return max(1, round(wanted / interval)) * interval


def _json_for_html(data: Any) -> str:
    # Inside <script>, "</script>" or "<!--" in a mark's name must not end the block.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_data(job: ExportJob, sprites: dict[str, Any], locate: Locate = _same) -> dict[str, Any]:
    source = job.manifest.source
    stills = [[f.t, locate(f.path), job.label(f.t)] for f in job.frames()]
    snippets = [[s.start, s.end, locate(str(s.gif))] for s in job.done_snippets()]
    marks = [
        {
            "start": m.start,
            "end": m.end,
            "name": m.name or f"Mark {n}",
            "note": m.note,
            "label": job.label(m.start),
            "endLabel": job.label(m.end) if m.end is not None else None,
        }
        for n, m in enumerate(job.marks(), 1)
    ]
    return {
        "name": job.name,
        "duration": job.duration,
        "fps": job.fps,
        "width": source.width,
        "height": source.height,
        "codec": source.codec,
        "timecode": source.timecode,
        "durationLabel": format_clock(job.duration),
        "step": job.manifest.settings.frame_interval,
        "stills": stills,
        "snippets": snippets,
        "marks": marks,
        "sprites": sprites,
    }


def _copy(job: ExportJob, relpath: str, folder: Path, limit: int) -> None:
    target = folder / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(read_recorded_file(job.job_dir, relpath, limit=limit))


def write_page(
    job: ExportJob, folder: Path, steps: Steps, locate: Locate | None = None
) -> WebResult:
    """Write the page into the existing folder ``folder``; blocking.

    With ``locate``, the job's stills and GIFs are not copied: the page names every file it
    loads (stills, GIFs, sprite sheets, its stylesheet and script) by ``locate``'s address,
    and the folder holds only the page, its stylesheet and script, and the sprites."""
    frames, snippets = job.frames(), job.done_snippets()
    total = len(frames) + len(snippets)
    done = 0
    for frame in frames if locate is None else []:
        target = folder / frame.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(job.read_still(frame))
        done += 1
        steps.done(0.7 * done / total)
    for snippet in snippets if locate is None else []:
        _copy(job, str(snippet.gif), folder, MAX_GIF_BYTES)
        done += 1
        steps.done(0.7 * done / total)
    sprite_dir = folder / SPRITES_DIR
    sprite_dir.mkdir()
    every = _sprite_every(job)
    sprites = write_sprites(job, sprite_dir, every, DEFAULT_WIDTH, steps, 0.7, 0.25)
    where = locate or _same
    sprite_data = {
        "width": sprites.thumb_width,
        "height": sprites.thumb_height,
        "cues": [
            [c.start_ms, c.end_ms, where(f"{SPRITES_DIR}/{c.sheet}"), c.x, c.y]
            for c in sprites.cues
        ],
    }
    for name in PAGE_FILES:
        shutil.copyfile(resource_path(f"web/{name}"), folder / name)
    template = resource_path("web/index.html").read_text(encoding="utf-8")
    for name in PAGE_FILES if locate is not None else []:
        for attribute in ("href", "src"):
            template = template.replace(
                f'{attribute}="{name}"', f'{attribute}="{html.escape(locate(name))}"'
            )
    page = template.replace("{{TITLE}}", html.escape(job.name)).replace(
        "{{DATA}}", _json_for_html(page_data(job, sprite_data, where))
    )
    (folder / "index.html").write_text(page, encoding="utf-8")
    steps.done(1.0)
    return WebResult(folder, len(frames), len(snippets), len(job.marks()))


async def export_web(
    job: ExportJob,
    folder: Path,
    *,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
) -> WebResult:
    """Write the web page of ``job`` into the new folder ``folder``."""
    if not job.done_snippets():
        raise UsageError(f"{job.job_dir}: the job has no finished snippets to show")
    check_sprite_options(job, _sprite_every(job), DEFAULT_WIDTH)
    job.marks()  # a damaged marks file is reported before any work

    def build(steps: Steps) -> WebResult:
        with staged_dir(folder, force, MARKER) as tmp:
            result = write_page(job, tmp, steps)
        return WebResult(folder, result.stills, result.gifs, result.marks)

    result = await in_thread(build, on_progress)
    if on_progress is not None:
        on_progress(1.0)
    return result
