"""What ffmpeg prints about an input, parsed: the description it writes on stderr when it
opens a file (container, duration, start, streams, rotation, timecodes), and the packet list
of its framecrc muxer. Pure text in, plain values out: :mod:`core.probe` runs ffmpeg.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

_INPUT_RE = re.compile(r"^Input #0, (?P<formats>.+?), from '")
_DURATION_RE = re.compile(r"^\s*Duration: (?P<value>N/A|(\d+):(\d{2}):(\d{2}(?:\.\d+)?))")
_START_RE = re.compile(r", start: (?P<value>-?\d+(?:\.\d+)?)")
# A packet listed by the framecrc muxer: stream, dts, pts, duration, size, checksum, flags.
_PACKET_RE = re.compile(r"^\s*\d+,\s*(-?\d+),\s*(-?\d+),\s*(\d+),.*?(?:F=0x([0-9a-fA-F]+))?$")
# Packets that show no picture: cut short (corrupt: the end of a truncated file), or to be
# decoded only (discard).
_NO_PICTURE_FLAGS = 0x2 | 0x4
_TIME_BASE_RE = re.compile(r"^#tb \d+: (\d+)/(\d+)")
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


@dataclass
class Header:
    formats: str | None = None
    duration: float | None = None
    start: float = 0.0  # the container's start time: what ffmpeg's timeline begins at
    video: dict[str, object] | None = None
    audio_streams: int = 0
    # Start timecodes by where they were found: "video" (the chosen stream), "data" (a tmcd
    # track), "format" (the container).
    timecodes: dict[str, str] = dataclasses.field(default_factory=dict)


def split_fields(text: str) -> list[str]:
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


def parse_video_stream(index: int, rest: str) -> dict[str, object] | None:
    if "(attached pic)" in rest:  # cover art, not a video
        return None
    fields = split_fields(rest)
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


def parse_header(lines: list[str]) -> Header:
    header = Header()
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
            if start := _START_RE.search(line):
                header.start = float(start["value"])
            continue
        stream = _STREAM_RE.match(line)
        if stream:
            current_is_chosen_video = False
            block = "data" if stream["kind"] == "Data" else "other"
            if stream["kind"] == "Audio":
                header.audio_streams += 1
            elif stream["kind"] == "Video" and header.video is None:
                header.video = parse_video_stream(int(stream["index"]), stream["rest"])
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


def start_timecode(header: Header, fps: float) -> str | None:
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


def clockwise_quarter_turns(rotation_ccw: float) -> int:
    return round(-rotation_ccw / 90.0) % 4 * 90


def last_picture_end(lines: list[str]) -> float | None:
    """Seconds (on the stream's clock) at which the last packet listed by framecrc ends."""
    base = None
    last = None
    for line in lines:
        if match := _TIME_BASE_RE.match(line):
            base = int(match[1]) / int(match[2])
        elif match := _PACKET_RE.match(line):
            if int(match[4] or "0", 16) & _NO_PICTURE_FLAGS:
                continue
            pts, duration = int(match[2]), int(match[3])
            last = max(last or pts + duration, pts + duration)
    return last * base if last is not None and base else None
