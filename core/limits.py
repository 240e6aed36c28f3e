"""Limits on what one job may ask of the machine, and the checks that apply them.

A small file can be a resource bomb: a 751 KB H.264 file of 16000×16000 pixels needs 1.8 GB
for each render, and a 10-hour video with a still every 0.1 s plans 360,000 stills. These
limits refuse such jobs up front, with a message naming the size and the limit.

They are settings of the user (CLI options, the window's settings) but not of the job: they
are not recorded in the manifest and do not make a job's identity, so raising or lowering
one never makes a finished job start over. Each is declared once here, like the processing
settings in :mod:`core.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InputRejectedError
from .plan import frame_indices, snippet_count
from .settings import FieldSpec, Settings, check_fields, from_mapping

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
    max_megapixels: float = 40.0
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
            name,
            f"it would make {snippets:,} snippets, more than the {limits.max_snippets:,} "
            "allowed per job (raise the snippet length, or the max_snippets limit)",
        )
    stills = len(frame_indices(0.0, duration, settings))
    if stills > limits.max_stills:
        raise InputRejectedError(
            name,
            f"it would make {stills:,} still frames, more than the {limits.max_stills:,} "
            "allowed per job (raise the frame interval, or the max_stills limit)",
        )


def check_picture(name: str, width: int, height: int, max_megapixels: float) -> None:
    """Refuse pictures larger than the limit, before anything decodes one."""
    pixels = width * height
    if pixels > max_megapixels * 1_000_000:
        raise InputRejectedError(
            name,
            f"its pictures are {width}×{height} ({pixels / 1e6:.1f} megapixels), more than "
            f"the {max_megapixels:g} megapixels allowed (raise the max_megapixels limit to "
            f"process it; each render then needs about {_gigabytes(pixels)} of memory)",
        )


def _gigabytes(pixels: int) -> str:
    from .resources import render_memory  # here: resources needs MediaInfo, probe needs us

    return f"{render_memory(pixels * 3 // 2, 1) / 2**30:.1f} GB"
