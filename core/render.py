"""Rendering one snippet: one ffmpeg process decodes it once and writes its GIF and stills.

The filter graph (built with ffmpeg-python) shifts timestamps back to the source's timeline,
then splits the decoded picture in two branches, both sampled with ``round=up``, so the
picture for time ``t`` is the one on screen at ``t`` (the last frame at or before it;
decoding starts a little before the snippet to have it at the snippet's start):

* GIF: ``fps`` → ``scale`` (lanczos) → ``palettegen``/``paletteuse`` with one palette per
  snippet (built from every other GIF frame), looping forever;
* stills: ``fps=1/k``, scaled, written as JPEGs numbered by frame index.

ffmpeg rotates pictures upright when it decodes (autorotate), so both branches see the
displayed orientation. Everything is written in a scratch folder and moved into place only
once ffmpeg has succeeded; a render that fails or is cancelled leaves earlier output intact.
"""

from __future__ import annotations

import os
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
from .layout import frame_relpath, gif_relpath, work_dir
from .plan import Snippet, frame_indices
from .probe import MediaInfo
from .remote_errors import remote_failure
from .settings import Settings
from .timefmt import format_clock

# Demuxers whose seeking lands on any packet, not a keyframe (MPEG-TS has no index): the
# decoder then drops pictures up to the next keyframe and the stills' fps filter would fill
# the gap with a later picture. For these, reading starts this many seconds early, so a
# keyframe is decoded before the snippet starts.
_SEEK_PREROLL = {"mpegts": 10.0}
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


def _timestamp(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def _pattern_dir(path: Path) -> str:
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
    offset: float = 0.0,
) -> list[str]:
    """The ffmpeg argument list that renders ``snippet``.

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
        ss=_timestamp(seek - offset),
        t=_timestamp(snippet.duration + preroll),
        threads=threads,
        **source.open_args(info.demuxer),
    )[str(info.stream_index)]
    # Back on the source's timeline: the stills' fps filter then places stills on the video's
    # grid whatever the snippet's start, with their global frame numbers. The GIF's clock
    # starts at the snippet's start, so even a snippet shorter than a GIF frame gets one.
    # Both fps filters keep the picture on screen at their first slot, dropping the pre-roll.
    timeline = stream.filter("setpts", f"PTS+{_timestamp(seek)}/TB")
    want_frames = len(frame_indices(snippet.start, snippet.end, settings)) > 0
    branches = timeline.split() if want_frames else None
    gif_in = branches[0] if branches is not None else timeline

    gif_w, gif_h = output_size(info, settings.gif_width)
    gif_frames = (
        gif_in.filter("setpts", f"PTS-{_timestamp(snippet.start)}/TB")
        .filter("fps", fps=settings.gif_fps, round="up", start_time=0)
        .filter("scale", gif_w, gif_h, flags="lanczos")
        .filter("setsar", 1)
        .split()
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
                start_time=_timestamp(first * settings.frame_interval),
            )
            .filter("scale", frame_w, frame_h)
            .filter("setsar", 1)
            .output(
                "file:" + _pattern_dir(frames_tmp) + "/%06d.jpg",
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
        "-progress",
        "pipe:1",
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
    scratch = work_dir(job_dir, snippet.index)
    shutil.rmtree(scratch, ignore_errors=True)  # leftovers of an interrupted run
    frames_tmp = scratch / "frames"
    frames_tmp.mkdir(parents=True)
    gif_tmp = scratch / "snippet.gif"
    args = build_args(
        find_ffmpeg(ffmpeg),
        source,
        info,
        snippet,
        settings,
        gif_tmp,
        frames_tmp,
        threads=threads,
        offset=offset,
    )

    def progress(position: float) -> None:
        if on_progress is not None and snippet.duration > 0:
            on_progress(min(1.0, max(0.0, (position - snippet.start) / snippet.duration)))

    label = (
        f"snippet {snippet.index + 1} ({format_clock(snippet.start)}–{format_clock(snippet.end)})"
    )
    try:
        try:
            result = await run_ffmpeg(args, on_progress=progress, timeout=timeout, group=group)
        except TimeoutError:
            raise RenderError(f"{label}: rendering took longer than {timeout:.0f} s") from None
        if not result.ok:
            unreachable = remote_failure(result.stderr) if source.is_remote else None
            if unreachable:
                raise SourceUnreachableError(label, f"the video could not be read: {unreachable}")
            raise RenderError(f"{label}: {result.last_error()}")
        output = _collect(job_dir, gif_tmp, frames_tmp, snippet, settings, label)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return SnippetOutput(output[0], output[1], time.monotonic() - began)


def _collect(
    job_dir: Path,
    gif_tmp: Path,
    frames_tmp: Path,
    snippet: Snippet,
    settings: Settings,
    label: str,
) -> tuple[str, list[tuple[int, str]]]:
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
    frames: list[tuple[int, str]] = []
    for index in sorted(produced):
        relpath = frame_relpath(index)
        target = job_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(produced[index], target)
        frames.append((index, relpath))
    gif_rel = gif_relpath(snippet.index)
    gif_target = job_dir / gif_rel
    gif_target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(gif_tmp, gif_target)
    return gif_rel, frames
