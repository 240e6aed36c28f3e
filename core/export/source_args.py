"""ffmpeg arguments reading part of a job's source video, as safely as rendering does.

The input is opened with :meth:`core.input_safety.Source.open_args` (forced demuxer, allowed
protocols, probing bounds), read from a little before the wanted time (containers whose
seeking misses keyframes need more), and its timestamps are shifted so that the wanted
time is 0: filters then pick "the picture on screen at t" the way rendering does, with
``fps=…:round=up`` from ``start_time=0``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ffmpeg_process import BASE_ARGS
from ..input_safety import Source
from ..probe import MediaInfo
from ..render import keyframe_preroll

# Source pictures read before the wanted time, so the one on screen at it is decoded.
_PREROLL_PICTURES = 2


def seconds_arg(value: float) -> str:
    return f"{max(0.0, value):.6f}".rstrip("0").rstrip(".") or "0"


@dataclass(frozen=True)
class SourceRead:
    """Reading ``[start, start + duration)`` of a source: its input arguments, and the
    filter that puts ``start`` at time 0 on the chosen video stream."""

    args: list[str]
    video: str  # filter input label, e.g. "[0:0]"
    preroll: float  # seconds read before `start`

    @property
    def shift(self) -> str:
        """The filter turning the decoded timeline into one starting at ``start``."""
        return f"setpts=PTS-{seconds_arg(self.preroll)}/TB"


def read_source(
    ffmpeg: str, source: Source, info: MediaInfo, start: float, duration: float | None
) -> SourceRead:
    picture = 1 / info.fps if info.fps > 0 else 0.5
    wanted = keyframe_preroll(info.demuxer) or min(1.0, _PREROLL_PICTURES * picture)
    preroll = min(start, wanted)
    args = [ffmpeg, *BASE_ARGS, "-y", "-loglevel", "error", "-progress", "pipe:1"]
    args += input_args(
        source, info, start - preroll, None if duration is None else duration + preroll
    )
    return SourceRead(args, f"[0:{info.stream_index}]", preroll)


def input_args(source: Source, info: MediaInfo, seek: float, duration: float | None) -> list[str]:
    """``-ss``/``-t`` and the safety options of the source, then ``-i``."""
    args = ["-ss", seconds_arg(seek)]
    if duration is not None:
        args += ["-t", seconds_arg(duration)]
    for key, value in source.open_args(info.demuxer).items():
        args += [f"-{key}", str(value)]
    return [*args, "-i", source.url]


def output_url(path: object) -> str:
    """An output path for ffmpeg that no name can turn into a protocol or an option."""
    return f"file:{path}"
