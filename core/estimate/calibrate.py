"""This machine's rendering speed for a kind of video, measured on the video itself.

A calibration renders a few short snippets of the input with the real renderer, as many
at once as the local backend runs, twice (1 s and up to 4 s long), and fits the time of one
snippet as ``fixed + per_second × length`` under that load. It also notes how many bytes the
outputs take per second. The result is cached per machine, ffmpeg, kind of video (codec,
size, frame rate, pixel format) and settings, for 30 days: a second video of the same kind
needs no new measurement.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..ffmpeg_locator import find_ffmpeg
from ..input_safety import Source
from ..plan import Snippet, frame_indices
from ..probe import MediaInfo
from ..render import render_snippet
from . import store

FILE = "calibrations.json"
MAX_AGE = 30 * 24 * 3600.0
SHORT, LONG = 1.0, 4.0  # seconds of video rendered per snippet in the two rounds


@dataclass(frozen=True)
class Calibration:
    fixed: float  # seconds per snippet, whatever its length (start-up, palette)
    per_second: float  # seconds per second of video, one snippet per worker at once
    workers: int
    gif_bytes_per_second: float
    still_bytes: float  # bytes of one still frame
    measured: float  # epoch seconds
    cached: bool = False

    def snippet_seconds(self, length: float) -> float:
        return self.fixed + self.per_second * length


def calibration_key(info: MediaInfo, settings_key: str, workers: int, ffmpeg: str) -> str:
    identity = [
        platform.machine(),
        platform.processor() or platform.platform(),
        os.cpu_count(),
        workers,
        ffmpeg,
        info.codec,
        info.width,
        info.height,
        round(info.fps),
        info.pix_fmt,
        info.demuxer,
        settings_key,
    ]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:20]


def cached(key: str) -> Calibration | None:
    entry = store.read(FILE).get(key)
    if not isinstance(entry, dict):
        return None
    try:
        found = Calibration(**{**entry, "cached": True})
    except TypeError:
        return None
    return found if time.time() - found.measured < MAX_AGE else None


def remember(key: str, calibration: Calibration) -> None:
    data = store.read(FILE)
    data = {k: v for k, v in data.items() if isinstance(v, dict)}
    data[key] = {k: v for k, v in asdict(calibration).items() if k != "cached"}
    store.write(FILE, data)


async def calibrate(
    source: Source, info: MediaInfo, settings, workers: int, ffmpeg: str | None = None
) -> Calibration:
    """Measure (or recall) how fast this machine renders this kind of video."""
    exe = find_ffmpeg(ffmpeg)
    key = calibration_key(info, json.dumps(settings.to_dict(), sort_keys=True), workers, exe)
    known = cached(key)
    if known is not None:
        return known
    long = max(SHORT * 2, min(LONG, settings.snippet_seconds, info.duration / 2))
    short = min(SHORT, long / 2)
    work = Path(tempfile.mkdtemp(prefix="framefan-calibrate-"))
    try:
        t_short, _ = await _round(source, info, settings, workers, short, exe, work)
        t_long, sizes = await _round(source, info, settings, workers, long, exe, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_second = max(1e-3, (t_long - t_short) / (long - short))
    fixed = max(0.0, t_short - per_second * short)
    result = Calibration(
        fixed=round(fixed, 4),
        per_second=round(per_second, 5),
        workers=workers,
        gif_bytes_per_second=sizes[0] / long,
        still_bytes=sizes[1],
        measured=time.time(),
    )
    remember(key, result)
    return result


async def _round(
    source: Source,
    info: MediaInfo,
    settings,
    workers: int,
    length: float,
    ffmpeg: str,
    work: Path,
) -> tuple[float, tuple[float, float]]:
    """Render ``workers`` snippets of ``length`` at once, spread over the video; returns the
    wall time and the output sizes (GIF bytes of one snippet, bytes of one still)."""
    room = max(0.0, info.duration - length)
    starts = [round(room * (k + 1) / (workers + 1), 3) for k in range(workers)]
    threads = max(1, (os.cpu_count() or 1) // workers)
    began = time.perf_counter()
    outputs = await asyncio.gather(
        *(
            render_snippet(
                source,
                info,
                Snippet(k, start, min(info.duration, start + length)),
                settings,
                work / str(k),
                ffmpeg=ffmpeg,
                threads=threads,
            )
            for k, start in enumerate(starts)
        )
    )
    wall = time.perf_counter() - began
    gif = sum((work / str(k) / o.gif).stat().st_size for k, o in enumerate(outputs)) / workers
    stills = [
        (work / str(k) / path).stat().st_size for k, o in enumerate(outputs) for _, path in o.frames
    ]
    still = sum(stills) / len(stills) if stills else 0.0
    if not frame_indices(0, info.duration, settings):
        still = 0.0
    return wall, (gif, still)
