"""Cutting a video into one segment per snippet, without re-encoding, for streamed uploads.

A snippet's segment is the video stream copied from the keyframe at or before the
snippet's start to a few pictures past its end, in MOV (MP4 for VP9 and AV1, which MOV
does not take), with the video's own timestamps and time base kept (``-copyts
-start_at_zero``: the timeline the whole-file render uses). The process function renders
it from its first timestamp (``offset``), so a snippet rendered from its segment is the
same, picture for picture, as one rendered from the whole video:

* ffmpeg cuts by decoding order, so the segment runs ``TAIL_PICTURES`` past the end: every
  picture before the end can be decoded (B-frames wait for a later reference), and the
  render's last GIF slot sees the same picture as from the whole video;
* only containers with a keyframe index (MP4/MOV, Matroska/WebM) are cut: ffmpeg seeks
  those to a keyframe; MPEG-TS and the like seek to any packet;
* only the video stream is sent: audio, subtitles and metadata (a camera's location, say)
  stay on this machine.

Cutting reads the file at disk speed. :func:`choose_upload` decides between segments and
the whole file from the probe and one trial cut.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import FrameFanError, InputRejectedError
from ..ffmpeg_locator import find_ffmpeg
from ..ffmpeg_process import BASE_ARGS, run_ffmpeg
from ..input_safety import Source, as_source
from ..plan import EPSILON, Snippet, plan
from ..probe import MediaInfo, probe
from ..settings import Settings

WHOLE, SEGMENTS, AUTO = "whole", "segments", "auto"
UPLOAD_MODES = (AUTO, WHOLE, SEGMENTS)
SEGMENT_DEMUXER = "mov"  # what the functions accept a segment as
CUTTABLE = ("mov", "matroska")
_MP4_ONLY = frozenset({"vp9", "av1"})
TAIL_PICTURES = 8
# Automatic choice: whole file when segments would send more than this much again.
MAX_OVERHEAD = 0.1
CUT_TIMEOUT = 600.0


class SegmentError(FrameFanError):
    """A segment could not be cut."""


@dataclass(frozen=True)
class UploadChoice:
    mode: str  # WHOLE or SEGMENTS
    reason: str  # why, for the user: "<mode> (<reason>)"
    extension: str = ".mov"

    def describe(self) -> str:
        what = "as segments" if self.mode == SEGMENTS else "as a whole file"
        return f"uploading {what} ({self.reason})"


def segment_format(info: MediaInfo) -> tuple[str, str]:
    """The muxer and file extension of this video's segments."""
    return ("mp4", ".mp4") if info.codec in _MP4_ONLY else ("mov", ".mov")


def cut_args(
    ffmpeg: str, source: Source, info: MediaInfo, snippet: Snippet, last: bool, target: Path
) -> list[str]:
    muxer, _ = segment_format(info)
    args = [ffmpeg, *BASE_ARGS, "-loglevel", "error", "-ss", f"{snippet.start:.6f}"]
    for key, value in source.open_args(info.demuxer).items():
        args += [f"-{key}", str(value)]
    args += ["-i", source.url, "-map", f"0:{info.stream_index}", "-c", "copy"]
    args += ["-copyts", "-start_at_zero", "-map_metadata", "-1", "-map_chapters", "-1"]
    if not last:
        picture = 1 / info.fps if info.fps > 0 else 0.1
        args += ["-to", f"{snippet.end + TAIL_PICTURES * picture:.6f}"]
    return [*args, "-f", muxer, "file:" + str(target)]


async def cut_segment(
    source: Source,
    info: MediaInfo,
    snippet: Snippet,
    target: Path,
    *,
    last: bool,
    ffmpeg: str | None = None,
) -> Path:
    """Write ``snippet``'s segment to ``target`` (atomically); raises :class:`SegmentError`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(".partial-" + target.name)
    args = cut_args(find_ffmpeg(ffmpeg), source, info, snippet, last, partial)
    label = f"{source.name}: segment of snippet {snippet.index + 1}"
    try:
        result = await run_ffmpeg(args, timeout=CUT_TIMEOUT)
    except TimeoutError:
        partial.unlink(missing_ok=True)
        raise SegmentError(f"{label}: cutting took longer than {CUT_TIMEOUT:.0f} s") from None
    if not result.ok or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        raise SegmentError(f"{label} could not be cut: {result.last_error()}")
    os.replace(partial, target)
    return target


async def choose_upload(
    source: Source,
    info: MediaInfo,
    settings: Settings,
    requested: str,
    work: Path,
    *,
    ffmpeg: str | None = None,
) -> UploadChoice:
    """Whole file or segments, as ``requested`` (AUTO: segments when the video can be cut
    cleanly and cheaply, judged from a trial cut); raises :class:`SegmentError` when
    segments were asked for and cannot be made."""
    if requested == WHOLE:
        return UploadChoice(WHOLE, "as asked")
    snippets = plan(info.duration, settings)
    problem = None
    extension = segment_format(info)[1]
    if source.local_path is None:
        problem = "only a file on this computer can be cut"
    elif info.demuxer not in CUTTABLE:
        problem = f"its container ({info.format.split(',')[0]}) cannot be cut at keyframes"
    elif requested == AUTO and len(snippets) < 2:
        problem = "one snippet: nothing to stream"
    else:
        problem = await _trial(source, info, snippets, work, requested, ffmpeg)
    if problem is None:
        count = len(snippets)
        reason = f"{count} segments, cut without re-encoding, each rendered as it arrives"
        return UploadChoice(SEGMENTS, reason, extension)
    if requested == SEGMENTS:
        raise SegmentError(f"{source.name}: cannot send segments: {problem}; use --upload whole")
    return UploadChoice(WHOLE, problem)


async def _trial(
    source: Source,
    info: MediaInfo,
    snippets: list[Snippet],
    work: Path,
    requested: str,
    ffmpeg: str | None,
) -> str | None:
    """Cut one segment and check it is what the render needs; the problem, or None."""
    snippet = snippets[1] if len(snippets) > 1 else snippets[0]
    target = work / f"trial{segment_format(info)[1]}"
    try:
        await cut_segment(
            source, info, snippet, target, last=snippet is snippets[-1], ffmpeg=ffmpeg
        )
        cut = await probe(as_source(target), ffmpeg=ffmpeg)
    except (SegmentError, InputRejectedError) as exc:
        return f"a trial cut failed ({exc})"
    finally:
        with contextlib.suppress(OSError):
            target.unlink()
    if (cut.codec, cut.coded_width, cut.coded_height, cut.rotation) != (
        info.codec,
        info.coded_width,
        info.coded_height,
        info.rotation,
    ):
        return "a segment does not keep the video's codec, size or rotation"
    if cut.start > snippet.start + EPSILON:
        return "a segment would start after its snippet"
    lead = snippet.start - cut.start
    if requested == AUTO and lead / snippet.duration > MAX_OVERHEAD:
        return (
            f"its keyframes are far apart ({lead:.1f} s before a snippet's start): segments "
            f"would send about {lead / snippet.duration:.0%} more than the file"
        )
    return None
