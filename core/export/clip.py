"""``export clip``: a range of the source as a video file an editor can use.

By default the range is re-encoded (H.264, AAC) and exact to the frame: it starts with the
first picture at or after ``start``, is upright, and carries the source's timecode at that
picture. ``copy`` cuts without re-encoding instead: a cut can then only start at a keyframe,
so the range is widened to the keyframe at or before its start and the one at or after its
end, and the result says which range that was.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError, UsageError
from ..ffmpeg_locator import find_ffmpeg
from ..ffmpeg_process import BASE_ARGS
from ..input_safety import Source
from ..probe import MediaInfo
from .job import ExportJob
from .output import check_output_file, staged_file
from .source_args import input_args, output_url, read_source, seconds_arg
from .work import ProgressCallback, run_checked

CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}
X264 = ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "192k"]
# How far past the end of the range a keyframe is looked for, in seconds.
KEYFRAME_SEARCH = 60.0
_MAX_PACKET_LOG = 64 * 1024 * 1024


@dataclass(frozen=True)
class ClipResult:
    path: Path
    start: float  # the range actually in the file, in seconds of the source
    end: float
    requested: tuple[float, float]
    copied: bool

    @property
    def snapped(self) -> bool:
        return (self.start, self.end) != self.requested


async def export_clip(
    job: ExportJob,
    start: float,
    end: float,
    output: Path,
    *,
    copy: bool = False,
    source: Path | None = None,
    force: bool = False,
    ffmpeg: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> ClipResult:
    """Write ``[start, end)`` of the job's source to ``output`` (.mp4, .m4v or .mov)."""
    job.check_range(start, end)
    container = CONTAINERS.get(output.suffix.lower())
    if container is None:
        raise UsageError(f"{output}: a clip's name must end with .mp4, .m4v or .mov")
    check_output_file(output, force)
    exe = find_ffmpeg(ffmpeg)
    src, info = await job.open_source(source, exe)
    end = min(end, info.duration)
    what = f"{job.name} {seconds_arg(start)}–{seconds_arg(end)} s"
    frame = 1 / info.fps if info.fps > 0 else 0.04
    if copy:
        cut_start, cut_end = await keyframe_range(exe, src, info, start, end, what)
        # Just past the first keyframe, so float rounding cannot seek to the one before it;
        # and stopping short of the next one.
        args = [exe, *BASE_ARGS, "-y", "-loglevel", "error", "-progress", "pipe:1"]
        args += input_args(src, info, cut_start + frame / 4, cut_end - cut_start - frame / 2)
        args += ["-map", f"0:{info.stream_index}", "-map", "0:a:0?", "-c", "copy"]
        args += ["-avoid_negative_ts", "make_zero"]
    else:
        cut_start, cut_end = start, end
        read = read_source(exe, src, info, start, end - start)
        args = [*read.args, "-map", f"0:{info.stream_index}", "-map", "0:a:0?"]
        # Decoded and dropped up to the start: both streams begin there.
        args += ["-ss", seconds_arg(read.preroll), "-t", seconds_arg(end - start)]
        args += ["-vf", "setsar=1", *X264, *AAC]
    if job.has_timecode:
        args += ["-timecode", job.clock.label(cut_start)]
    with staged_file(output, force) as tmp:
        args += ["-movflags", "+faststart", "-f", container, output_url(tmp)]
        await run_checked(args, what, duration=cut_end - cut_start, on_progress=on_progress)
    if on_progress is not None:
        on_progress(1.0)
    return ClipResult(output, cut_start, cut_end, (start, end), copy)


async def keyframe_range(
    exe: str, src: Source, info: MediaInfo, start: float, end: float, what: str
) -> tuple[float, float]:
    """The keyframe at or before ``start`` and the first one at or after ``end`` (or the end
    of the video), read from packet flags without decoding."""
    window = end - start + KEYFRAME_SEARCH
    with tempfile.TemporaryDirectory(prefix="framefan-keyframes-") as folder:
        log = Path(folder) / "packets.txt"
        args = [exe, *BASE_ARGS, "-loglevel", "error", *input_args(src, info, start, window)]
        args += ["-map", f"0:{info.stream_index}", "-c", "copy", "-f", "framecrc"]
        await run_checked([*args, output_url(log)], what)
        with log.open("r", encoding="ascii", errors="replace") as handle:
            lines = handle.read(_MAX_PACKET_LOG).splitlines()
    keyframes = _keyframes(lines, start)
    if not keyframes:
        raise ExportError(f"{what}: no keyframe found to cut at")
    epsilon = 0.5 / (info.fps or 25.0)
    before = [k for k in keyframes if k <= start + epsilon]
    cut_start = before[-1] if before else keyframes[0]
    after = [k for k in keyframes if k >= end - epsilon]
    if after:
        cut_end = after[0]
    elif start + window >= info.duration:
        cut_end = info.duration
    else:
        raise UsageError(
            f"{what}: no keyframe within {KEYFRAME_SEARCH:g} s after the range; "
            "export it without --copy"
        )
    return max(0.0, cut_start), min(info.duration, max(cut_end, cut_start))


def _keyframes(lines: list[str], offset: float) -> list[float]:
    """Times of the keyframe packets in framecrc output (packets without ``F=`` flags, or
    with the key flag) of a read that started at ``offset`` seconds."""
    time_base = None
    keyframes = []
    for line in lines:
        if line.startswith("#tb 0:"):
            num, _, den = line.split(":", 1)[1].strip().partition("/")
            time_base = int(num) / int(den)
            continue
        if line.startswith("#") or time_base is None:
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 6 or fields[0] != "0" or not fields[2].lstrip("-").isdigit():
            continue
        flags = next((f for f in fields[6:] if f.startswith("F=")), "F=0x1")
        if int(flags[2:], 16) & 1:
            keyframes.append(round(offset + int(fields[2]) * time_base, 6))
    return sorted(set(keyframes))
