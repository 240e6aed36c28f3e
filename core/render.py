"""Rendering one snippet: one ffmpeg process decodes it once and writes its GIF and stills.

The filter graph (built with ffmpeg-python) shifts timestamps back to the source's timeline,
then splits the decoded picture in two branches, both sampled with ``round=up``, so the
picture for time ``t`` is the one on screen at ``t`` (the last frame at or before it;
decoding starts a little before the snippet to have it at the snippet's start):

* GIF: ``fps`` → ``scale`` (lanczos) → ``palettegen``/``paletteuse`` with one palette per
  snippet (built from every other GIF frame), looping forever;
* stills: ``fps=1/k``, scaled, written as JPEGs numbered by frame index.

Progress comes in two phases. While the snippet decodes, each GIF picture, as the frame
rate filter makes it, is logged with its time to a file the render reads as it goes; ffmpeg's
own ``-progress`` says nothing then: it waits until every output has started, and the GIF's
starts only once its palette is made, from every picture of the snippet. Then the GIF is
encoded, and ``-progress`` reports its pictures' times. The decoding counts for
:data:`DECODE_SHARE` of a render's progress, the GIF's encoding for the rest.

ffmpeg rotates pictures upright when it decodes (autorotate), so both branches see the
displayed orientation. Everything is written in a private scratch folder (``mkdtemp`` in
the job's work folder) and moved into place only once ffmpeg has succeeded and every file is
complete and flushed to the disk; a render that fails or is cancelled leaves earlier output
intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_python

from .errors import RenderError, SourceUnreachableError
from .ffmpeg_locator import find_ffmpeg
from .ffmpeg_process import BASE_ARGS, ProcessGroup, run_ffmpeg
from .input_safety import Source
from .job_folder import output_dir, scratch
from .layout import FRAMES_DIR, GIFS_DIR, frame_name, frame_relpath, gif_name, gif_relpath
from .plan import Snippet, frame_indices
from .platform.durability import sync_file
from .probe import MediaInfo
from .remote_errors import remote_failure
from .settings import Settings
from .timefmt import format_clock

# Demuxers whose seeking lands on any packet, not a keyframe (MPEG-TS has no index): the
# decoder then drops pictures up to the next keyframe and the stills' fps filter would fill
# the gap with a later picture. For these, reading starts this many seconds early, so a
# keyframe is decoded before the snippet starts.
_SEEK_PREROLL = {"mpegts": 10.0}


def keyframe_preroll(demuxer: str) -> float:
    """Seconds to start reading before a time for its picture to decode: non-zero for
    containers whose seeking does not land on a keyframe."""
    return _SEEK_PREROLL.get(demuxer, 0.0)


# Decoding for previews: the in-loop deblocking filter is skipped on B-frames (x264's
# default streams have many), a fifth of H.264's decoding time. Other pictures are not
# built from those, but for B-frames that are themselves references, so the difference
# stays within a few pictures; measured at the output sizes, the pictures are the same to
# an SSIM of 0.99 and more (bench/preview_decoding.py; docs/benchmarks.md).
PREVIEW_DECODING = {"skip_loop_filter": "bidir"}

# How often a render's progress is read (seconds).
PROGRESS_PERIOD = 0.25
# The share of a render's time spent decoding (the rest: the GIF's dithering and encoding
# once its palette is made), as measured on 720p and 1080p footage with the default settings.
DECODE_SHARE = 0.8
# The frame metadata key that makes the metadata filter log every GIF picture.
_PROGRESS_KEY = "framefan.progress"
_PTS_TIME = re.compile(rb"pts_time:(-?[0-9.]+)")

# Otherwise reading starts this many source pictures early, so the picture on screen at the
# snippet's start (which may have begun before it) is decoded too.
_PREROLL_PICTURES = 2


@dataclass(frozen=True)
class SnippetOutput:
    """What a successful render produced, as paths relative to the job folder."""

    gif: str
    frames: list[tuple[int, str]]  # (frame index, relative path)
    seconds: float


def output_size(info: MediaInfo, requested_width: int) -> tuple[int, int]:
    """Output size for a requested width (0 = the video's size), never upscaling."""
    width = info.width if requested_width <= 0 else min(requested_width, info.width)
    height = max(1, round(width * info.height / info.width))
    return width, height


def timestamp_arg(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def pattern_dir(path: Path) -> str:
    # The image2 muxer reads '%' as a pattern character; a literal one must be doubled.
    return str(path).replace("%", "%%")


def build_args(
    ffmpeg: str,
    source: Source,
    info: MediaInfo,
    snippet: Snippet,
    settings: Settings,
    gif_tmp: Path,
    frames_tmp: Path,
    *,
    threads: int = 0,
    progress_log: Path | None = None,
    offset: float = 0.0,
) -> list[str]:
    """The ffmpeg argument list that renders ``snippet`` (logging its progress to
    ``progress_log``, see :func:`read_progress`).

    ``offset`` is where ``source`` starts on the video's timeline: 0 for the whole video,
    the first keyframe's time for a segment cut from it with its timestamps kept."""
    picture = 1 / info.fps if info.fps > 0 else 0.5
    wanted = _SEEK_PREROLL.get(info.demuxer, min(1.0, _PREROLL_PICTURES * picture))
    preroll = min(snippet.start, wanted)
    if snippet.start - preroll < offset:  # a segment holds nothing before its start
        preroll = snippet.start - offset
    seek = snippet.start - preroll
    stream = ffmpeg_python.input(
        source.url,
        ss=timestamp_arg(seek - offset),
        t=timestamp_arg(snippet.duration + preroll),
        threads=threads,
        **PREVIEW_DECODING,
        **source.open_args(info.demuxer),
    )[str(info.stream_index)]
    # Back on the source's timeline: the stills' fps filter then places stills on the video's
    # grid whatever the snippet's start, with their global frame numbers. The GIF's clock
    # starts at the snippet's start, so even a snippet shorter than a GIF frame gets one.
    # Both fps filters keep the picture on screen at their first slot, dropping the pre-roll.
    timeline = stream.filter("setpts", f"PTS+{timestamp_arg(seek)}/TB")
    want_frames = len(frame_indices(snippet.start, snippet.end, settings)) > 0
    branches = timeline.split() if want_frames else None
    gif_in = branches[0] if branches is not None else timeline

    gif_w, gif_h = output_size(info, settings.gif_width)
    gif_frames = gif_in.filter("setpts", f"PTS-{timestamp_arg(snippet.start)}/TB").filter(
        "fps", fps=settings.gif_fps, round="up", start_time=0
    )
    if progress_log is not None:  # each GIF picture's time in the snippet, as it is made
        gif_frames = gif_frames.filter("metadata", mode="add", key=_PROGRESS_KEY, value=1)
        gif_frames = gif_frames.filter(
            "metadata", mode="print", file="file:" + str(progress_log), direct=1
        )
    gif_frames = (
        gif_frames.filter("scale", gif_w, gif_h, flags="lanczos").filter("setsar", 1).split()
    )
    # The palette is built from every other GIF frame: the same colours, half the work.
    palette = gif_frames[0].filter("select", "not(mod(n,2))").filter("palettegen")
    gif = ffmpeg_python.filter([gif_frames[1], palette], "paletteuse").output(
        "file:" + str(gif_tmp), f="gif", loop=0
    )
    outputs = [gif]
    if branches is not None:
        frame_w, frame_h = output_size(info, settings.frame_width)
        first = frame_indices(snippet.start, snippet.end, settings).start
        rate = settings.frame_rate
        stills = (
            branches[1]
            .filter(
                "fps",
                fps=f"{rate.numerator}/{rate.denominator}",
                round="up",
                start_time=timestamp_arg(first * settings.frame_interval),
            )
            .filter("scale", frame_w, frame_h)
            .filter("setsar", 1)
            .output(
                "file:" + pattern_dir(frames_tmp) + "/%06d.jpg",
                f="image2",
                frame_pts=1,
                fps_mode="passthrough",
                **{"q:v": settings.jpeg_qscale},
            )
        )
        outputs.append(stills)
    compiled = ffmpeg_python.merge_outputs(*outputs).compile(cmd=ffmpeg)
    return [
        compiled[0],
        *BASE_ARGS,
        "-loglevel",
        "error",
        "-filter_complex_threads",
        str(max(1, threads)),
        *(["-progress", "pipe:1", "-stats_period", str(PROGRESS_PERIOD)] if progress_log else []),
        *compiled[1:],
    ]


async def render_snippet(
    source: Source,
    info: MediaInfo,
    snippet: Snippet,
    settings: Settings,
    job_dir: Path,
    *,
    ffmpeg: str | None = None,
    threads: int = 0,
    on_progress: Callable[[float], None] | None = None,
    group: ProcessGroup | None = None,
    timeout: float | None = None,
    offset: float = 0.0,
) -> SnippetOutput:
    """Render ``snippet`` of ``source`` into ``job_dir`` (see :mod:`core.layout`).

    ``source`` is the whole video, or a segment of it that starts at ``offset`` on the
    video's timeline (see :func:`build_args`); the output is the same.

    ``on_progress`` receives the fraction of the snippet done (0–1). Raises
    :class:`RenderError` with a one-line reason when ffmpeg fails or produces nothing.
    """
    began = time.monotonic()
    work = scratch(job_dir, f"snippet-{snippet.index:05d}-")
    frames_tmp = work / "frames"
    frames_tmp.mkdir()
    gif_tmp = work / "snippet.gif"
    log = work / "progress.log"
    args = build_args(
        find_ffmpeg(ffmpeg),
        source,
        info,
        snippet,
        settings,
        gif_tmp,
        frames_tmp,
        threads=threads,
        progress_log=log if on_progress is not None else None,
        offset=offset,
    )
    label = (
        f"snippet {snippet.index + 1} ({format_clock(snippet.start)}–{format_clock(snippet.end)})"
    )
    try:
        shares = _Shares(snippet, on_progress)
        rendering = asyncio.ensure_future(
            run_ffmpeg(args, on_progress=shares.encoded, timeout=timeout, group=group)
        )
        if on_progress is not None and snippet.duration > 0:
            await _follow_progress(rendering, log, shares.decoded)
        try:
            result = await rendering
        except TimeoutError:
            raise RenderError(f"{label}: rendering took longer than {timeout:.0f} s") from None
        if not result.ok:
            unreachable = remote_failure(result.stderr) if source.is_remote else None
            if unreachable:
                raise SourceUnreachableError(label, f"the video could not be read: {unreachable}")
            raise RenderError(f"{label}: {result.last_error()}")
        output = await asyncio.to_thread(
            _collect, job_dir, gif_tmp, frames_tmp, snippet, settings, label
        )
    finally:
        # A real folder made by mkdtemp: rmtree removes links in it, never their targets.
        shutil.rmtree(work, ignore_errors=True)
    return SnippetOutput(output[0], output[1], time.monotonic() - began)


class _Shares:
    """A render's progress from its two phases: decoding (times of the GIF pictures made)
    and the GIF's encoding (times of the pictures written), each seconds into the snippet."""

    def __init__(self, snippet: Snippet, report: Callable[[float], None] | None) -> None:
        self._length = snippet.duration
        self._report = report
        self._decoded = self._encoded = 0.0
        self._shown = -1.0

    def decoded(self, position: float) -> None:
        self._decoded = max(self._decoded, position)
        self._tell()

    def encoded(self, position: float) -> None:
        self._encoded = max(self._encoded, position)
        self._tell()

    def _tell(self) -> None:
        if self._report is None or self._length <= 0:
            return
        decoded = min(1.0, self._decoded / self._length)
        encoded = min(1.0, self._encoded / self._length)
        share = DECODE_SHARE * decoded + (1 - DECODE_SHARE) * encoded
        if share > self._shown:
            self._shown = share
            self._report(share)


async def _follow_progress(
    rendering: asyncio.Future[object], log: Path, decoded: Callable[[float], None]
) -> None:
    """Read the decoding's progress log while ``rendering`` runs (cancelling this stops the
    render too)."""
    offset = 0
    try:
        while not rendering.done():
            await asyncio.wait({rendering}, timeout=PROGRESS_PERIOD)
            offset, position = read_progress(log, offset)
            if position is not None:
                decoded(position)
    except asyncio.CancelledError:
        rendering.cancel()
        with contextlib.suppress(BaseException):
            await rendering
        raise


def read_progress(log: Path, offset: int) -> tuple[int, float | None]:
    """The latest GIF picture time (seconds into the snippet) logged in ``log`` after
    ``offset``, and the offset to read from next (a line still being written is read
    again)."""
    try:
        with log.open("rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
    except OSError:  # not written yet
        return offset, None
    end = chunk.rfind(b"\n") + 1
    times = _PTS_TIME.findall(chunk[:end])
    return offset + end, float(times[-1]) if times else None


def _collect(
    job_dir: Path,
    gif_tmp: Path,
    frames_tmp: Path,
    snippet: Snippet,
    settings: Settings,
    label: str,
) -> tuple[str, list[tuple[int, str]]]:
    """Check the outputs are whole, flush them to the disk, move them into place (the
    folders' entries are flushed by whoever lists them, before it does)."""
    if not gif_tmp.is_file() or gif_tmp.stat().st_size == 0:
        raise RenderError(f"{label}: no video could be decoded (the file may be damaged)")
    expected = frame_indices(snippet.start, snippet.end, settings)
    produced = {}
    for path in frames_tmp.iterdir():
        if path.suffix == ".jpg" and path.stem.isdigit() and int(path.stem) in expected:
            produced[int(path.stem)] = path
    missing = [n for n in expected if n not in produced]
    if missing:
        raise RenderError(
            f"{label}: {len(missing)} of {len(expected)} still frames were not produced"
        )
    for path, end in [(gif_tmp, GIF_END), *((p, JPEG_END) for p in produced.values())]:
        if not ends_with(path, end):
            raise RenderError(f"{label}: ffmpeg wrote an incomplete file ({path.name})")
        sync_file(path)
    frames: list[tuple[int, str]] = []
    if produced:
        frames_dir = output_dir(job_dir, FRAMES_DIR)
        for index in sorted(produced):
            os.replace(produced[index], frames_dir / frame_name(index))
            frames.append((index, frame_relpath(index)))
    os.replace(gif_tmp, output_dir(job_dir, GIFS_DIR) / gif_name(snippet.index))
    return gif_relpath(snippet.index), frames


# Every complete GIF ends with its trailer byte, every complete JPEG with its end-of-image
# marker: a file cut short (a full disk) does not.
GIF_END = b"\x3b"
JPEG_END = b"\xff\xd9"


def ends_with(path: Path, end: bytes) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() < len(end):
            return False
        handle.seek(-len(end), os.SEEK_END)
        return handle.read() == end
