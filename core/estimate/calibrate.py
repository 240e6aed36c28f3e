"""This machine's rendering speed for a kind of video, measured on the video itself.

A calibration renders the beginnings of a few of the job's own snippets with the real
renderer, as many at once and with as many ffmpeg threads each as the local backend uses,
twice: a short round and a long one, at the same snippet starts. It fits the time of one
snippet as ``fixed + per_second × length``, and times the first snippet's start apart:

* the renders start where the job's snippets start, so each one pays what that snippet
  pays before its first picture (ffmpeg's start, the seek, decoding from the keyframe
  before the start), and both rounds pay it equally: it lands in ``fixed``, not in
  ``per_second``; the first snippet, which starts at a keyframe, gets a short round of its
  own (``fixed_first``: with 10 s between keyframes it costs half of another snippet);
* a render's time is its own, averaged over the renders of a round (the slowest of them,
  which the round's wall time would be, is not what a worker slot sees on average);
* the long round is as long as the snippets, up to 8 s, so the fit is used near the
  lengths it was measured at rather than extrapolated tenfold (a 1 s error at 4 s became
  7 s on a 30 s snippet).

It also notes how many bytes the outputs take per second. The result is cached per
machine, ffmpeg, kind of video (codec, size, frame rate, pixel format) and settings, for 30
days: a second video of the same kind needs no new measurement.
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
from ..plan import Snippet, frame_indices, plan
from ..probe import MediaInfo
from ..render import render_snippet
from ..settings import Settings
from . import store

FILE = "calibrations.json"
MAX_AGE = 30 * 24 * 3600.0
SHORT = 1.0  # seconds of video per render in the short round
LONG = 8.0  # ... and in the long round, at most (the snippets' length, if shorter)
KEY_VERSION = 2  # bump when what a calibration measures changes


@dataclass(frozen=True)
class Calibration:
    fixed: float  # seconds per snippet, whatever its length (start-up, seek, palette)
    per_second: float  # seconds per second of video, one snippet per worker at once
    workers: int
    gif_bytes_per_second: float
    still_bytes: float  # bytes of one still frame
    measured: float  # epoch seconds
    cached: bool = False
    fixed_first: float | None = None  # ``fixed`` of the first snippet, which seeks nowhere

    def snippet_seconds(self, length: float, *, first: bool = False) -> float:
        fixed = self.fixed_first if first and self.fixed_first is not None else self.fixed
        return fixed + self.per_second * length


def calibration_key(info: MediaInfo, settings_key: str, workers: int, ffmpeg: str) -> str:
    identity = [
        KEY_VERSION,
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


def threads_for(workers: int) -> int:
    """ffmpeg threads per render when ``workers`` render at once (as the local backend)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def sample_starts(info: MediaInfo, settings: Settings, workers: int, length: float) -> list[float]:
    """Starts of ``workers`` of the job's snippets, spread over the video, each with
    ``length`` seconds of video after it; the first snippet (which needs no seek) only when
    there is no other."""
    snippets = plan(info.duration, settings)
    room = [s.start for s in snippets if s.start + length <= info.duration] or [0.0]
    later = [t for t in room if t > 0] or room
    step = len(later) / workers
    return [later[min(len(later) - 1, int(step * (k + 0.5)))] for k in range(workers)]


async def calibrate(
    source: Source, info: MediaInfo, settings: Settings, workers: int, ffmpeg: str | None = None
) -> Calibration:
    """Measure (or recall) how fast this machine renders this kind of video."""
    exe = find_ffmpeg(ffmpeg)
    key = calibration_key(info, json.dumps(settings.to_dict(), sort_keys=True), workers, exe)
    known = cached(key)
    if known is not None:
        return known
    long = max(SHORT * 2, min(LONG, settings.snippet_seconds, info.duration / 2))
    short = min(SHORT, long / 2)
    starts = sample_starts(info, settings, workers, long)
    work = Path(tempfile.mkdtemp(prefix="framefan-calibrate-"))
    try:
        t_short, _ = await _round(source, info, settings, starts, short, exe, work)
        t_long, sizes = await _round(source, info, settings, starts, long, exe, work)
        # The first snippet starts at a keyframe: with long GOPs it costs much less.
        first = t_short
        if any(starts):
            first, _ = await _round(source, info, settings, [0.0] * len(starts), short, exe, work)
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
        fixed_first=round(min(fixed, max(0.0, first - per_second * short)), 4),
    )
    remember(key, result)
    return result


async def _round(
    source: Source,
    info: MediaInfo,
    settings: Settings,
    starts: list[float],
    length: float,
    ffmpeg: str,
    work: Path,
) -> tuple[float, tuple[float, float]]:
    """Render ``length`` seconds from each start, all at once; returns the average time of
    one render and the output sizes (GIF bytes of one render, bytes of one still)."""
    threads = threads_for(len(starts))
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
    average = sum(o.seconds for o in outputs) / len(outputs)
    gif = sum((work / str(k) / o.gif).stat().st_size for k, o in enumerate(outputs)) / len(starts)
    stills = [
        (work / str(k) / path).stat().st_size for k, o in enumerate(outputs) for _, path in o.frames
    ]
    still = sum(stills) / len(stills) if stills else 0.0
    if not frame_indices(0, info.duration, settings):
        still = 0.0
    return average, (gif, still)
