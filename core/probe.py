"""Reading what a video is: ``probe(source) -> MediaInfo``, with ffmpeg alone.

ffmpeg prints the container and stream description on stderr when it opens an input
(parsed by :mod:`core.media_header`). The video's exact end is where its last picture ends,
from the times of the packets of its last seconds (read, not decoded). For local files the
probe also copies the video stream to the null muxer, which reads every packet without
decoding: it reveals truncated files and the true end of the video when the container's
duration is missing or covers a longer audio track.

Reading every packet of a long file takes seconds, so a job need not wait for it:
:func:`probe_early` finds the video's end from its last seconds only, and leaves the packet
scan to :func:`check_complete`, which the job runs beside its work. A file whose end
cannot be found that way (truncated, or an index that promises more than the file holds) is
scanned at once, as :func:`probe` does, so it is refused with the same message before any
work starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import FrameFanError, InputRejectedError, SourceUnreachableError
from .ffmpeg_locator import find_ffmpeg
from .ffmpeg_process import BASE_ARGS, FfmpegResult, run_ffmpeg
from .input_safety import ALLOWED_DEMUXERS, Source, as_source, sniff_problem
from .limits import Limits, check_picture
from .media_header import (
    Header,
    clockwise_quarter_turns,
    last_picture_end,
    parse_header,
    start_timecode,
)
from .remote_errors import remote_failure

DEFAULT_MAX_DURATION = 24 * 3600.0
PROBE_TIMEOUT = 120.0  # seconds
_SNIFF_BYTES = 4096
# Seconds read at the end of the video to find where its last picture ends.
_TAIL_SECONDS = 5.0

# Box types an MP4/MOV file starts with: a file that does not is no damaged MP4, whatever
# its name says.
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")
_TRUNCATION_MARKS = ("File ended prematurely", "partial file", "moov atom not found")


@dataclass(frozen=True)
class MediaInfo:
    """What FrameFan needs to know about a video.

    ``width``/``height`` are the displayed size: after applying the sample aspect ratio and
    the rotation. ``rotation`` is the clockwise turn, in degrees (0, 90, 180 or 270), that
    shows the picture upright; ffmpeg applies it when decoding. ``timecode`` is the start
    timecode, ``HH:MM:SS:FF`` (``;`` before the frames for drop-frame), when the file has one;
    its rate is ``fps``'s standard timecode rate (:mod:`core.timecode`).
    """

    duration: float
    width: int
    height: int
    rotation: int
    fps: float
    codec: str
    format: str
    has_video: bool
    stream_index: int
    coded_width: int
    coded_height: int
    pix_fmt: str
    timecode: str | None = None
    # The container's first timestamp, in seconds: what ffmpeg subtracts to put the video's
    # timeline at 0 (not 0 for MPEG-TS, nor for a segment cut with its timestamps kept).
    start: float = 0.0

    @property
    def demuxer(self) -> str:
        """The demuxer name to force when the file is opened again."""
        return self.format.split(",")[0]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _open_failure(source: Source, result: FfmpegResult, head: bytes | None) -> FrameFanError:
    log = "\n".join(result.stderr)
    unreachable = remote_failure(result.stderr) if source.is_remote else None
    # ffmpeg's refusal names the allowed protocols ("… not on whitelist 'https,tls,tcp'"):
    # not a failed secure connection, and no retry can help.
    refused = "not on whitelist" in log or "Protocol not found" in log
    if unreachable and not refused and "Invalid data found" not in log:
        return SourceUnreachableError(source.name, f"it could not be read: {unreachable}")
    if "moov atom not found" in log and (head is None or head[4:8] in _MP4_BOXES):
        reason = "the file is truncated or damaged (its MP4/MOV index, the moov atom, is missing)"
    elif head is not None and (sniffed := sniff_problem(head)):
        reason = sniffed
    elif "Permission denied" in log:
        reason = "permission denied"
    elif "No such file or directory" in log:
        reason = "file not found"
    elif "Invalid data found" in log:
        names = ", ".join(ALLOWED_DEMUXERS)
        reason = f"it is not a video in a supported container (supported demuxers: {names})"
    elif refused:
        reason = "the input needs a protocol FrameFan does not allow"
    else:
        reason = f"ffmpeg could not open it: {result.last_error()}"
    return InputRejectedError(source.name, reason)


def _read_head(path: Path, name: str) -> bytes:
    try:
        if path.is_dir():
            raise InputRejectedError(name, "it is a folder, not a video file")
        if not path.exists():
            raise InputRejectedError(name, "file not found")
        if not path.is_file():
            raise InputRejectedError(name, "it is not a regular file")
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except PermissionError:
        raise InputRejectedError(name, "permission denied") from None
    except OSError as exc:
        raise InputRejectedError(name, f"cannot be read ({exc.strerror or exc})") from None


def _format_seconds(value: float) -> str:
    minutes, seconds = divmod(value, 60)
    return f"{int(minutes)}:{seconds:04.1f}"


async def probe(
    source: str | os.PathLike[str] | Source,
    *,
    ffmpeg: str | None = None,
    scan: bool | None = None,
    timeout: float = PROBE_TIMEOUT,
    max_duration: float = DEFAULT_MAX_DURATION,
    limits: Limits | None = None,
) -> MediaInfo:
    """Describe ``source`` (a local path, an https URL or a :class:`Source`).

    ``scan`` reads every video packet (without decoding) to find truncated files; it
    defaults to on for local files and off for URLs, whose tail is still checked. Raises
    :class:`InputRejectedError` with a specific reason for anything that is not a
    processable video, or a video beyond ``limits`` (its picture size is checked before
    any picture is decoded; ``limits`` also sets the longest duration).
    """
    src = source if isinstance(source, Source) else as_source(source)
    do_scan = (not src.is_remote) if scan is None else scan
    info, _ = await _probe_timed(src, ffmpeg, do_scan, False, timeout, max_duration, limits)
    return info


async def probe_early(
    source: str | os.PathLike[str] | Source,
    *,
    ffmpeg: str | None = None,
    timeout: float = PROBE_TIMEOUT,
    limits: Limits | None = None,
) -> tuple[MediaInfo, bool]:
    """:func:`probe`, without waiting for the packet scan when the video's end can be
    found without it. Returns the description and whether the scan is still to be done
    (with :func:`check_complete`, before the job's outputs are trusted)."""
    src = source if isinstance(source, Source) else as_source(source)
    scan = not src.is_remote
    return await _probe_timed(src, ffmpeg, scan, scan, timeout, DEFAULT_MAX_DURATION, limits)


async def probe_header(
    source: str | os.PathLike[str] | Source,
    *,
    ffmpeg: str | None = None,
    timeout: float = PROBE_TIMEOUT,
) -> MediaInfo:
    """What the container's header says, decoding nothing: enough to show a video before
    its job starts (its size and length; the length is the container's, which
    :func:`probe` refines). Raises :class:`InputRejectedError` for what is no video."""
    src = source if isinstance(source, Source) else as_source(source)
    head = _read_head(src.local_path, src.name) if src.local_path is not None else None
    if head is not None and (problem := sniff_problem(head)):
        raise InputRejectedError(src.name, problem)
    exe = find_ffmpeg(ffmpeg)
    args = [exe, *BASE_ARGS, "-loglevel", "info", "-skip_frame", "all"]
    args += [*_input_args(src), "-i", src.url]
    try:
        async with asyncio.timeout(timeout):
            result, _ = await _run_probe(args)
    except TimeoutError:
        raise _too_slow(src, timeout) from None
    header = parse_header(result.stderr)
    if header.formats is None or header.video is None:
        raise _open_failure(src, result, head)
    if header.duration is None or header.duration <= 0:
        raise InputRejectedError(src.name, "its duration is zero or cannot be determined")
    return _media_info(src, header, header.video, header.duration)


async def check_complete(
    source: str | os.PathLike[str] | Source,
    info: MediaInfo,
    *,
    ffmpeg: str | None = None,
    timeout: float = PROBE_TIMEOUT,
) -> None:
    """Read every packet of the video stream (no decoding), as :func:`probe`'s scan does;
    raises :class:`InputRejectedError` for a truncated file ("the file is truncated (its
    data ends at 0:41.0 of 1:00.0)")."""
    src = source if isinstance(source, Source) else as_source(source)
    exe = find_ffmpeg(ffmpeg)
    try:
        async with asyncio.timeout(timeout):
            await _scan(exe, src, info.demuxer, info.stream_index)
    except TimeoutError:
        raise _too_slow(src, timeout) from None


async def _probe_timed(
    src: Source,
    ffmpeg: str | None,
    scan: bool,
    defer: bool,
    timeout: float,
    max_duration: float,
    limits: Limits | None,
) -> tuple[MediaInfo, bool]:
    if limits is not None:
        max_duration = limits.max_seconds
    max_pixels = (limits or Limits()).max_megapixels
    head: bytes | None = None
    if src.local_path is not None:
        head = _read_head(src.local_path, src.name)
        # Text (playlists, concat lists) and empty files never reach ffmpeg.
        problem = sniff_problem(head)
        if problem and (not head or problem.endswith(("not a video file", "not a video"))):
            raise InputRejectedError(src.name, problem)
    exe = find_ffmpeg(ffmpeg)
    try:
        # The timeout's TimeoutError is raised on leaving this block, so it is caught outside.
        async with asyncio.timeout(timeout):
            return await _probe(exe, src, head, scan, defer, max_duration, max_pixels)
    except TimeoutError:
        raise _too_slow(src, timeout) from None


def _too_slow(src: Source, timeout: float) -> FrameFanError:
    error = SourceUnreachableError if src.is_remote else InputRejectedError
    return error(src.name, f"reading it took longer than {timeout:.0f} s (too slow or stalled)")


async def _run_probe(args: list[str]) -> tuple[FfmpegResult, list[float]]:
    positions: list[float] = []
    result = await run_ffmpeg(args, on_progress=positions.append)
    return result, positions


def _check_truncation(src: Source, result: FfmpegResult, claimed: float | None, end: float):
    log = "\n".join(result.stderr)
    if any(mark in log for mark in _TRUNCATION_MARKS):
        of = f" of {_format_seconds(claimed)}" if claimed else ""
        raise InputRejectedError(
            src.name, f"the file is truncated (its data ends at {_format_seconds(end)}{of})"
        )


async def _probe(
    exe: str,
    src: Source,
    head: bytes | None,
    scan: bool,
    defer: bool,
    max_duration: float,
    max_megapixels: float,
) -> tuple[MediaInfo, bool]:
    """The description, and whether the scan (asked for, and ``defer``-red) is left."""
    # Identifying the streams decodes no picture (-skip_frame all), so that a picture's size
    # is checked against the limit before anything decodes one; the pixel format, which
    # takes a decoded picture, comes from the decoding of the tail below.
    args = [exe, *BASE_ARGS, "-loglevel", "info", "-skip_frame", "all"]
    args += [*_input_args(src), "-i", src.url]
    scan_now = scan and not defer
    if scan_now:
        args += _SCAN_OUTPUT
    result, positions = await _run_probe(args)
    header = parse_header(result.stderr)
    if header.formats is None:
        raise _open_failure(src, result, head)
    demuxer = header.formats.split(",")[0]
    if demuxer not in ALLOWED_DEMUXERS:
        raise InputRejectedError(src.name, f"its container ({header.formats}) is not supported")
    video = header.video
    if video is None:
        kind = "audio only" if header.audio_streams else "no audio either"
        raise InputRejectedError(src.name, f"it has no video stream ({kind})")
    size = int(video["width"]), int(video["height"])  # type: ignore[call-overload]
    check_picture(src.name, *size, max_megapixels)
    index = int(video["index"])  # type: ignore[call-overload]
    packet_end: float | None = None
    if scan_now:
        # Stream copy reports packet times: roughly the video's end, without decoding anything.
        packet_end = positions[-1] if positions else None
        _check_truncation(src, result, header.duration, packet_end or 0.0)
    end: tuple[float | None, str] = (None, "")
    if scan_now or not scan:
        end = await _video_end(exe, src, demuxer, index, header, packet_end)
    else:
        with contextlib.suppress(InputRejectedError):  # said exactly by the scan below
            end = await _video_end(exe, src, demuxer, index, header, None)
        if end[0] is None:  # the end is where the packets stop: scan now, as probe() does
            packet_end = await _scan(exe, src, demuxer, index)
            end = await _video_end(exe, src, demuxer, index, header, packet_end)
            scan = False
    duration, pix_fmt = end
    video["pix_fmt"] = pix_fmt or video["pix_fmt"]
    if duration is None or not math.isfinite(duration) or duration <= 0:
        raise InputRejectedError(src.name, "its duration is zero or cannot be determined")
    if duration > max_duration:
        raise InputRejectedError(
            src.name,
            f"it lasts {duration / 3600:.1f} h, more than the {max_duration / 3600:.1f} h allowed",
        )
    return _media_info(src, header, video, duration), scan and defer


# Copying the chosen video stream to the null muxer reads every packet, decoding none.
_SCAN_OUTPUT = ["-map", "0:V:0?", "-c", "copy", "-f", "null", "-progress", "pipe:1", "-"]


async def _scan(exe: str, src: Source, demuxer: str, stream_index: int) -> float | None:
    """Read every packet of the video stream; returns the last packet time seen, raises
    :class:`InputRejectedError` for a truncated file."""
    args = [exe, *BASE_ARGS, "-loglevel", "info", "-skip_frame", "all"]
    args += [*_input_args(src, demuxer), "-i", src.url]
    args += ["-map", f"0:{stream_index}", *_SCAN_OUTPUT[2:]]
    result, positions = await _run_probe(args)
    if src.is_remote and not result.ok and (unreachable := remote_failure(result.stderr)):
        raise SourceUnreachableError(src.name, f"it could not be read: {unreachable}")
    packet_end = positions[-1] if positions else None
    claimed = parse_header(result.stderr).duration
    _check_truncation(src, result, claimed, packet_end or 0.0)
    return packet_end


async def _video_end(
    exe: str,
    src: Source,
    demuxer: str,
    stream_index: int,
    header: Header,
    packet_end: float | None,
) -> tuple[float | None, str]:
    """The exact end of the video track: where its last picture ends, from the times and
    durations of the packets of its last seconds (read, not decoded: a fraction of a second
    even for long-GOP footage). Container durations can be missing, or cover a longer audio
    track; the packet scan's times are approximate. Also returns the pixel format."""
    for around in dict.fromkeys(t for t in (header.duration, packet_end) if t):
        seek = max(0.0, around - _TAIL_SECONDS)
        # The stream's own timestamps (-copyts), less the container's start: the timeline
        # renders use.
        args = [exe, *BASE_ARGS, "-loglevel", "info", "-copyts", "-ss", f"{seek:.6f}"]
        # ffmpeg still decodes a picture or two to describe the stream (the pixel format):
        # with one thread, each holding a picture, whatever the picture's size.
        args += ["-threads", "1", *_input_args(src, demuxer), "-i", src.url]
        args += ["-map", f"0:{stream_index}", "-c", "copy", "-f", "framecrc", "pipe:1"]
        lines: list[str] = []
        result = await run_ffmpeg(args, on_output=lines.append)
        last = last_picture_end(lines)
        end = last - header.start if last is not None else None
        if src.is_remote and not result.ok and (unreachable := remote_failure(result.stderr)):
            raise SourceUnreachableError(src.name, f"it could not be read: {unreachable}")
        _check_truncation(src, result, header.duration, end if end is not None else seek)
        if end is not None and end > 0:
            tail = parse_header(result.stderr).video
            return end, str(tail["pix_fmt"]) if tail else ""
    return None, ""


def _input_args(src: Source, demuxer: str | None = None) -> list[str]:
    args: list[str] = []
    for key, value in src.open_args(demuxer).items():
        args += [f"-{key}", str(value)]
    return args


def _media_info(
    src: Source, header: Header, video: dict[str, object], duration: float
) -> MediaInfo:
    fps = float(video["fps"] or video["tbr"] or 0.0)  # type: ignore[arg-type]
    coded_w, coded_h = int(video["width"]), int(video["height"])  # type: ignore[call-overload]
    if coded_w <= 0 or coded_h <= 0:
        raise InputRejectedError(src.name, "its video stream has no picture size (damaged?)")
    rotation = clockwise_quarter_turns(float(video["rotation_ccw"]))  # type: ignore[arg-type]
    display_w = max(1, round(coded_w * float(video["sar"])))  # type: ignore[arg-type]
    display_h = coded_h
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w
    return MediaInfo(
        duration=round(duration, 6),
        width=display_w,
        height=display_h,
        rotation=rotation,
        fps=fps,
        codec=str(video["codec"]),
        format=header.formats or "",
        has_video=True,
        stream_index=int(video["index"]),  # type: ignore[call-overload]
        coded_width=coded_w,
        coded_height=coded_h,
        pix_fmt=str(video["pix_fmt"]),
        timecode=start_timecode(header, fps),
        start=header.start if math.isfinite(header.start) else 0.0,
    )
