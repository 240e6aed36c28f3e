"""Limits on what one job may ask of the machine, and the checks that apply them.

A small file can be a resource bomb: a 751 KB H.264 file of 16000×16000 pixels needs 1.8 GB
for each render, and a 10-hour video with a still every 0.1 s plans 360,000 stills. These
limits refuse such jobs up front, with a message naming the size and the limit.

They are settings of the user (CLI options, the window's settings) but not of the job: they
are not recorded in the manifest and do not make a job's identity, so raising or lowering
one never makes a finished job start over. Each is declared once here, like the processing
settings in :mod:`core.settings`.

The wording of every refusal is shared with the cloud, whose limits are stack parameters
(:mod:`core.cloud.limits`): an editor reads the same sentence whichever refuses the job,
with what sets the limit in brackets. Every message completes "<file name>: <reason>".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InputRejectedError
from .plan import frame_indices, snippet_count
from .settings import FieldSpec, Settings, check_fields, from_mapping

# 8K DCI (8192×4320) is 35.4 MP; larger pictures are no video an editor cuts.
MAX_PIXELS_PER_FRAME = 40_000_000

LIMIT_FIELDS: dict[str, FieldSpec] = {
    "max_megapixels": FieldSpec(
        "Largest picture",
        "Videos whose pictures have more megapixels than this are refused: each render "
        "holds several decoded pictures in memory (40 MP is above 8K DCI).",
        1,
        1000,
        unit="MP",
    ),
    "max_hours": FieldSpec(
        "Longest video", "Videos longer than this are refused.", 0.1, 744, unit="h"
    ),
    "max_stills": FieldSpec(
        "Most stills per job",
        "Jobs that would make more still frames than this are refused "
        "(raise the frame interval or this limit).",
        1,
        1_000_000,
    ),
    "max_snippets": FieldSpec(
        "Most snippets per job",
        "Jobs that would make more snippets than this are refused "
        "(raise the snippet length or this limit).",
        1,
        100_000,
    ),
}


@dataclass(frozen=True)
class Limits:
    max_megapixels: float = MAX_PIXELS_PER_FRAME / 1_000_000
    max_hours: float = 24.0
    max_stills: int = 100_000
    max_snippets: int = 5_000

    def __post_init__(self) -> None:
        check_fields(self, LIMIT_FIELDS)

    @property
    def max_pixels(self) -> int:
        return round(self.max_megapixels * 1_000_000)

    @property
    def max_seconds(self) -> float:
        return self.max_hours * 3600

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        return from_mapping(cls, LIMIT_FIELDS, data)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LIMIT_FIELDS}


def check_plan(name: str, duration: float, settings: Settings, limits: Limits) -> None:
    """Refuse a job whose plan exceeds ``limits`` (:class:`InputRejectedError`)."""
    snippets = snippet_count(duration, settings)
    if snippets > limits.max_snippets:
        raise InputRejectedError(
            name, too_many_snippets(snippets, limits.max_snippets, duration, "max_snippets")
        )
    stills = len(frame_indices(0.0, duration, settings))
    if stills > limits.max_stills:
        raise InputRejectedError(
            name, too_many_stills(stills, limits.max_stills, duration, "max_stills")
        )


def check_picture(name: str, width: int, height: int, max_megapixels: float) -> None:
    """Refuse pictures larger than the limit, before anything decodes one."""
    pixels = width * height
    if pixels > max_megapixels * 1_000_000:
        reason = too_many_pixels(width, height, round(max_megapixels * 1e6), "max_megapixels")
        raise InputRejectedError(
            name, f"{reason}; each render of it needs about {_gigabytes(pixels)} of memory"
        )


def _gigabytes(pixels: int) -> str:
    from .resources import render_memory  # here: resources needs MediaInfo, probe needs us

    return f"{render_memory(pixels * 3 // 2, 1) / 2**30:.1f} GB"


def _where(parameter: str | None) -> str:
    """What sets a limit, in brackets: a stack parameter or a local limit's name."""
    if not parameter:
        return ""
    return f" ({parameter} limit)" if parameter.islower() else f" (stack parameter {parameter})"


def _length(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"


def too_many_pixels(width: int, height: int, limit: int, parameter: str | None = None) -> str:
    return (
        f"its pictures are {width}×{height} ({width * height / 1e6:.1f} megapixels), more than "
        f"the {limit / 1e6:g} megapixels allowed{_where(parameter)}"
    )


def too_many_snippets(count: int, limit: int, duration: float, parameter: str | None = None) -> str:
    shortest = math.ceil(duration / limit)
    return (
        f"it would make {count:,} snippets, more than the {limit:,} allowed per "
        f"job{_where(parameter)}; use snippets of at least {shortest} s"
    )


def too_many_stills(count: int, limit: int, duration: float, parameter: str | None = None) -> str:
    interval = math.ceil(duration / limit * 10) / 10
    return (
        f"it would make {count:,} still frames, more than the {limit:,} allowed per "
        f"job{_where(parameter)}; use a frame interval of at least {interval:g} s, or no stills"
    )


def snippets_too_short(
    seconds: float, minimum: float, long_video: float, parameter: str | None = None
) -> str:
    return (
        f"snippets of {seconds:g} s are too short for a video longer than "
        f"{_length(long_video)}: use at least {minimum:g} s{_where(parameter)}"
    )


def snippets_too_long(
    seconds: float, maximum: float, size: str, parameter: str | None = None
) -> str:
    return (
        f"snippets of {_length(seconds)} of {size} cannot be rendered within the time limit "
        f"of one render: use at most {maximum:g} s{_where(parameter)}"
    )
