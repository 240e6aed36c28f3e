"""Reading what a video is: ``probe(source) -> MediaInfo``, with ffmpeg alone.

ffmpeg prints the container and stream description on stderr when it opens an input; that
header is parsed here. For local files the probe also copies the video stream to the null
muxer, which reads every packet without decoding: it reveals truncated files and the true
end of the video when the container's duration is missing or covers a longer audio track.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import FrameFanError, InputRejectedError, SourceUnreachableError
from .ffmpeg_locator import find_ffmpeg
from .ffmpeg_process import BASE_ARGS, FfmpegResult, run_ffmpeg
from .input_safety import ALLOWED_DEMUXERS, Source, as_source, sniff_problem
from .limits import Limits, check_picture
from .remote_errors import remote_failure

DEFAULT_MAX_DURATION = 24 * 3600.0
_SNIFF_BYTES = 4096
# Seconds decoded at the end of the video to find where its last picture ends.
_TAIL_SECONDS = 5.0
# Decoder threads for that: each holds a picture, and the probe needs no speed.
_TAIL_THREADS = 2

_INPUT_RE = re.compile(r"^Input #0, (?P<formats>.+?), from '")
_DURATION_RE = re.compile(r"^\s*Duration: (?P<value>N/A|(\d+):(\d{2}):(\d{2}(?:\.\d+)?))")
_STREAM_RE = re.compile(
    r"^\s*Stream #0:(?P<index>\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (?P<kind>\w+): (?P<rest>.*)$"
)
_SIZE_RE = re.compile(r"^(?P<w>\d{1,5})x(?P<h>\d{1,5})(?:\s|$)")
_SAR_RE = re.compile(r"SAR (?P<num>\d+):(?P<den>\d+)")
_RATE_RE = re.compile(r"^(?P<value>[\d.]+)(?P<k>k?) (?P<unit>fps|tbr)$")
_ROTATION_RE = re.compile(r"display ?matrix: rotation of (?P<deg>-?[\d.]+) degrees", re.I)
# A start timecode in a metadata block: QuickTime's tmcd track and the video stream show it
# as ``timecode``, Matroska as ``TIMECODE``, MXF at the container level.
_TIMECODE_RE = re.compile(r"^\s*timecode\s*: (?P<value>.*)$", re.I)
_TIMECODE_VALUE_RE = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)([:;.,])(\d{2})$")
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

    @property
    def demuxer(self) -> str:
        """The demuxer name to force when the file is opened again."""
        return self.format.split(",")[0]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Header:
    formats: str | None = None
    duration: float | None = None
    video: dict[str, object] | None = None
    audio_streams: int = 0
    # Start timecodes by where they were found: "video" (the chosen stream), "data" (a tmcd
    # track), "format" (the container).
    timecodes: dict[str, str] = dataclasses.field(default_factory=dict)


def _split_fields(text: str) -> list[str]:
    """Split a stream description at top-level commas (not inside brackets)."""
    fields: list[str] = []
    depth = 0
    current = []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    fields.append("".join(current).strip())
    return fields


def _parse_video_stream(index: int, rest: str) -> dict[str, object] | None:
    if "(attached pic)" in rest:  # cover art, not a video
        return None
    fields = _split_fields(rest)
    stream: dict[str, object] = {
        "index": index,
        "codec": fields[0].split()[0] if fields and fields[0] else "unknown",
        "pix_fmt": fields[1].split("(")[0] if len(fields) > 1 else "",
        "width": 0,
        "height": 0,
        "sar": 1.0,
        "fps": 0.0,
        "tbr": 0.0,
        "rotation_ccw": 0.0,
    }
    for field in fields[1:]:
        size = _SIZE_RE.match(field)
        if size and not stream["width"]:
            stream["width"], stream["height"] = int(size["w"]), int(size["h"])
        sar = _SAR_RE.search(field)
        if sar and int(sar["den"]) and int(sar["num"]):
            stream["sar"] = int(sar["num"]) / int(sar["den"])
        rate = _RATE_RE.match(field.removesuffix(" (default)"))
        if rate:
            value = float(rate["value"]) * (1000 if rate["k"] else 1)
            stream[rate["unit"]] = value
    return stream


def _parse_header(lines: list[str]) -> _Header:
    header = _Header()
    current_is_chosen_video = False
    block = "format"  # whose metadata the following lines are
    for line in lines:
        if header.formats is None:
            match = _INPUT_RE.match(line)
            if match:
                header.formats = match["formats"]
            continue
        duration = _DURATION_RE.match(line)
        if duration and header.duration is None:
            if duration["value"] != "N/A":
                h, m, s = duration.group(2, 3, 4)
                header.duration = int(h) * 3600 + int(m) * 60 + float(s)
            continue
        stream = _STREAM_RE.match(line)
        if stream:
            current_is_chosen_video = False
            block = "data" if stream["kind"] == "Data" else "other"
            if stream["kind"] == "Audio":
                header.audio_streams += 1
            elif stream["kind"] == "Video" and header.video is None:
                header.video = _parse_video_stream(int(stream["index"]), stream["rest"])
                current_is_chosen_video = header.video is not None
                block = "video" if current_is_chosen_video else "other"
            continue
        if line.startswith(("Output #", "Stream mapping:", "Press [q]")):
            break
        timecode = _TIMECODE_RE.match(line)
        if timecode and block != "other":
            header.timecodes.setdefault(block, timecode["value"].strip())
            continue
        rotation = _ROTATION_RE.search(line)
        if rotation and current_is_chosen_video and header.video is not None:
            header.video["rotation_ccw"] = float(rotation["deg"])
    return header


def _start_timecode(header: _Header, fps: float) -> str | None:
    """The video's start timecode, normalised, or None: a value that is no timecode label
    at a frame rate near ``fps`` is ignored (metadata is free text)."""
    for where in ("video", "data", "format"):
        match = _TIMECODE_VALUE_RE.match(header.timecodes.get(where, ""))
        if not match:
            continue
        hours, minutes, seconds, separator, frames = match.groups()
        nominal = round(fps) if fps > 0 else 0
        if int(hours) < 24 and 0 < nominal <= 120 and int(frames) < nominal:
            mark = ":" if separator == ":" else ";"
            return f"{hours}:{minutes}:{seconds}{mark}{frames}"
    return None


def _clockwise_quarter_turns(rotation_ccw: float) -> int:
    return round(-rotation_ccw / 90.0) % 4 * 90


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
    timeout: float = 120.0,
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
    if limits is not None:
        max_duration = limits.max_seconds
    max_pixels = (limits or Limits()).max_megapixels
    src = source if isinstance(source, Source) else as_source(source)
    head: bytes | None = None
    if src.local_path is not None:
        head = _read_head(src.local_path, src.name)
        # Text (playlists, concat lists) and empty files never reach ffmpeg.
        problem = sniff_problem(head)
        if problem and (not head or problem.endswith(("not a video file", "not a video"))):
            raise InputRejectedError(src.name, problem)
    exe = find_ffmpeg(ffmpeg)
    do_scan = (not src.is_remote) if scan is None else scan
    try:
        # The timeout's TimeoutError is raised on leaving this block, so it is caught outside.
        async with asyncio.timeout(timeout):
            return await _probe(exe, src, head, do_scan, max_duration, max_pixels)
    except TimeoutError:
        error = SourceUnreachableError if src.is_remote else InputRejectedError
        raise error(
            src.name, f"reading it took longer than {timeout:.0f} s (too slow or stalled)"
        ) from None


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
    max_duration: float,
    max_megapixels: float,
) -> MediaInfo:
    # Identifying the streams decodes no picture (-skip_frame all), so that a picture's size
    # is checked against the limit before anything decodes one; the pixel format, which
    # takes a decoded picture, comes from the decoding of the tail below.
    args = [exe, *BASE_ARGS, "-loglevel", "info", "-skip_frame", "all"]
    args += [*_input_args(src), "-i", src.url]
    if scan:
        args += ["-map", "0:V:0?", "-c", "copy", "-f", "null", "-progress", "pipe:1", "-"]
    result, positions = await _run_probe(args)
    header = _parse_header(result.stderr)
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
    # Stream copy reports packet times: roughly the video's end, without decoding anything.
    packet_end = positions[-1] if scan and positions else None
    if scan:
        _check_truncation(src, result, header.duration, packet_end or 0.0)
    duration, pix_fmt = await _video_end(exe, src, demuxer, int(video["index"]), header, packet_end)
    video["pix_fmt"] = pix_fmt or video["pix_fmt"]
    if duration is None or not math.isfinite(duration) or duration <= 0:
        raise InputRejectedError(src.name, "its duration is zero or cannot be determined")
    if duration > max_duration:
        raise InputRejectedError(
            src.name,
            f"it lasts {duration / 3600:.1f} h, more than the {max_duration / 3600:.1f} h allowed",
        )
    return _media_info(src, header, video, duration)


async def _video_end(
    exe: str,
    src: Source,
    demuxer: str,
    stream_index: int,
    header: _Header,
    packet_end: float | None,
) -> tuple[float | None, str]:
    """The exact end of the video track: decode its last seconds and add the last
    picture's time to the seek point. Container durations can be missing, or cover a longer
    audio track; packet times are approximate. Also returns the decoded pixel format."""
    for around in dict.fromkeys(t for t in (header.duration, packet_end) if t):
        seek = max(0.0, around - _TAIL_SECONDS)
        args = [exe, *BASE_ARGS, "-loglevel", "info", "-threads", str(_TAIL_THREADS)]
        args += ["-ss", f"{seek:.6f}"]
        args += [*_input_args(src, demuxer), "-i", src.url]
        args += ["-map", f"0:{stream_index}", "-f", "null", "-progress", "pipe:1", "-"]
        result, positions = await _run_probe(args)
        decoded = positions[-1] if positions else 0.0
        if src.is_remote and not result.ok and (unreachable := remote_failure(result.stderr)):
            raise SourceUnreachableError(src.name, f"it could not be read: {unreachable}")
        _check_truncation(src, result, header.duration, seek + decoded)
        if decoded > 0:
            tail = _parse_header(result.stderr).video
            return seek + decoded, str(tail["pix_fmt"]) if tail else ""
    return None, ""


def _input_args(src: Source, demuxer: str | None = None) -> list[str]:
    args: list[str] = []
    for key, value in src.open_args(demuxer).items():
        args += [f"-{key}", str(value)]
    return args


def _media_info(
    src: Source, header: _Header, video: dict[str, object], duration: float
) -> MediaInfo:
    fps = float(video["fps"] or video["tbr"] or 0.0)  # type: ignore[arg-type]
    coded_w, coded_h = int(video["width"]), int(video["height"])  # type: ignore[call-overload]
    if coded_w <= 0 or coded_h <= 0:
        raise InputRejectedError(src.name, "its video stream has no picture size (damaged?)")
    rotation = _clockwise_quarter_turns(float(video["rotation_ccw"]))  # type: ignore[arg-type]
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
        timecode=_start_timecode(header, fps),
    )
