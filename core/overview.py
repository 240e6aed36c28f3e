"""The overview pass: coarse pictures of the whole video, seconds after a job starts.

Before the fine work (a GIF and stills per snippet) has shown anything, one ffmpeg sweeps
the whole video decoding keyframes only (``-skip_frame nokey``: a fraction of the cost of a
full decode) and keeps one picture every hundredth of the duration (half a second at
least), or every keyframe when keyframes are further apart than that. Its first picture,
the video's first keyframe, comes within a second; the others follow as the sweep goes.
Each is a small JPEG named by its time in milliseconds (``overview/000012500.jpg`` for
12.5 s), listed in the manifest's ``overview`` as soon as it exists; the timeline shows it,
marked approximate, where the fine stills are not rendered yet.

Codecs whose every picture is a keyframe (ProRes, DNxHD, MJPEG, …) would have the sweep
decode the whole video; for those, packets are dropped before decoding (the ``noise``
bitstream filter's ``drop``), keeping the first of each hundredth.

Like a render, ffmpeg writes in a private scratch folder (``mkdtemp`` in the job's work
folder), each picture under a temporary name renamed once whole (the image2 muxer's
``atomic_writing``); complete pictures are checked, flushed to the disk and moved into the
``overview`` folder, which is never a link (:mod:`core.job_folder`). A failure of the pass
costs only its pictures: it is logged, and the fine work goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import ffmpeg as ffmpeg_python

from .ffmpeg_locator import find_ffmpeg
from .ffmpeg_process import BASE_ARGS, ProcessGroup, run_ffmpeg
from .input_safety import Source
from .job_folder import output_dir, scratch
from .layout import OVERVIEW_DIR, overview_name, overview_relpath
from .manifest import FrameRecord
from .platform.durability import sync_file
from .probe import MediaInfo
from .render import JPEG_END, ends_with, output_size, pattern_dir, timestamp_arg

log = logging.getLogger(__name__)

PICTURES = 100  # over the whole video, at least (fewer when keyframes are further apart)
MIN_SPACING = 0.5  # seconds: a short video gets no more pictures than the stills will give
WIDTH = 320  # pixels; never more than the video's
QSCALE = 5  # ffmpeg's MJPEG quantiser: small files, good enough for a thumbnail
POLL_SECONDS = 0.1  # how often finished pictures are looked for while ffmpeg runs
# Codecs that code every picture on its own: decoding their keyframes is a full decode.
INTRA_ONLY = frozenset(
    {
        "prores", "dnxhd", "mjpeg", "jpeg2000", "rawvideo", "v210", "v410", "r210",
        "huffyuv", "ffvhuff", "utvideo", "magicyuv", "dvvideo", "cfhd", "hap", "hqx",
        "hq_hqa", "png", "speedhq", "cllc", "sheervideo", "aic", "ayuv", "avrp",
    }
)  # fmt: skip

_PICTURE_NAME = re.compile(r"\d{9,10}\.jpg")


def spacing(duration: float) -> float:
    """Seconds between two overview pictures at least (keyframes permitting)."""
    return max(MIN_SPACING, duration / PICTURES)


def build_args(
    ffmpeg: str, source: Source, info: MediaInfo, folder: Path, *, start: float = 0.0
) -> list[str]:
    """The ffmpeg arguments of the sweep from ``start`` seconds, writing into ``folder``."""
    gap = spacing(info.duration)
    options: dict[str, object] = {"threads": 1, "skip_frame": "nokey"}
    if info.codec in INTRA_ONLY:
        # Every picture is a keyframe: keep the packets in the first picture's time of each
        # gap, drop the rest unread by the decoder.
        picture = 1 / info.fps if info.fps > 0 else 0.04
        options["bsf:v"] = f"noise=drop=gte(mod(pts*tb\\,{gap:.6f})\\,{picture:.6f})"
    if start > 0:
        options["ss"] = timestamp_arg(start)
    stream = ffmpeg_python.input(source.url, **options, **source.open_args(info.demuxer))[
        str(info.stream_index)
    ]
    width, height = output_size(info, WIDTH)
    pictures = (
        stream.filter("setpts", f"PTS+{timestamp_arg(start)}/TB")  # back on the video's timeline
        # Keep a keyframe when skipping it would leave a gap longer than ``gap`` (the next
        # keyframe taken to be as far as the last one): every keyframe when they are sparse.
        .filter("select", f"isnan(prev_selected_t)+gt(2*t-prev_t-prev_selected_t,{gap:.6f})")
        .filter("scale", width, height)
        .filter("setsar", 1)
        .output(
            "file:" + pattern_dir(folder) + "/%09d.jpg",
            f="image2",
            fps_mode="passthrough",
            enc_time_base="1/1000",  # picture numbers are times in milliseconds
            frame_pts=1,
            atomic_writing=1,
            **{"q:v": QSCALE},
        )
    )
    compiled = pictures.compile(cmd=ffmpeg)
    return [compiled[0], *BASE_ARGS, "-loglevel", "error", "-filter_threads", "1", *compiled[1:]]


class OverviewPass:
    """One sweep over ``source`` into ``job_dir``; ``on_pictures`` receives each batch of
    pictures moved into place (sorted by time), on the event loop's thread."""

    def __init__(
        self,
        source: Source,
        info: MediaInfo,
        job_dir: Path,
        on_pictures: Callable[[list[FrameRecord]], None],
        *,
        ffmpeg: str | None = None,
        group: ProcessGroup | None = None,
        start: float = 0.0,
    ) -> None:
        self.source = source
        self.info = info
        self.job_dir = job_dir
        self.on_pictures = on_pictures
        self.ffmpeg = ffmpeg
        self.group = group
        self.start = start
        self.count = 0  # pictures moved into place

    async def run(self) -> bool:
        """Sweep the video; True once every picture is in place. Never raises for a bad
        input or a full disk (the renders say what is wrong); cancelling stops ffmpeg."""
        try:
            work = await asyncio.to_thread(scratch, self.job_dir, "overview-")
        except Exception as exc:  # a job folder we cannot write in: the renders say so
            log.warning("%s: no overview: %s", self.source.name, exc)
            return False
        try:
            return await self._sweep(work)
        finally:
            # A real folder made by mkdtemp: rmtree removes links in it, never their targets.
            await asyncio.shield(asyncio.to_thread(shutil.rmtree, work, True))

    async def _sweep(self, work: Path) -> bool:
        args = build_args(find_ffmpeg(self.ffmpeg), self.source, self.info, work, start=self.start)
        render = asyncio.ensure_future(run_ffmpeg(args, group=self.group))
        try:
            while not render.done():
                await asyncio.wait({render}, timeout=POLL_SECONDS)
                if not await self._collect(work):
                    return False
        finally:
            if not render.done():
                render.cancel()
            await asyncio.gather(render, return_exceptions=True)
        result = render.result()
        if not await self._collect(work):
            return False
        if not result.ok:
            log.warning("%s: overview stopped: %s", self.source.name, result.last_error())
        return result.ok

    async def _collect(self, work: Path) -> bool:
        """List the pictures ffmpeg has finished; False when they cannot be kept."""
        moving = asyncio.ensure_future(
            asyncio.to_thread(_move_finished, work, self.job_dir, self.info.duration)
        )
        cancelled = False
        while not moving.done():  # pictures moved into place are listed, even when cancelled
            try:
                await asyncio.wait({moving})
            except asyncio.CancelledError:
                cancelled = True
        error = moving.exception()
        if error is not None:  # a full disk, a link planted in the job folder
            log.warning("%s: no overview: %s", self.source.name, error)
        elif moved := moving.result():
            self.count += len(moved)
            self.on_pictures(moved)
        if cancelled:
            raise asyncio.CancelledError
        return error is None


def _move_finished(work: Path, job_dir: Path, duration: float) -> list[FrameRecord]:
    """Move the whole pictures ffmpeg has finished into the overview folder."""
    names = sorted(e.name for e in os.scandir(work) if _PICTURE_NAME.fullmatch(e.name))
    if not names:
        return []
    folder = output_dir(job_dir, OVERVIEW_DIR)
    moved = []
    for name in names:
        path = work / name
        if not ends_with(path, JPEG_END):  # cannot happen with atomic writing; never listed
            path.unlink()
            continue
        milliseconds = int(name[:-4])
        sync_file(path)
        os.replace(path, folder / overview_name(milliseconds))
        moved.append(
            FrameRecord(min(milliseconds / 1000, duration), overview_relpath(milliseconds))
        )
    return moved
