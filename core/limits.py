"""Limits on what one job may ask for, and how a refusal reads.

The local backend and the cloud share the wording, so an editor reads the same sentence
whichever refuses the job; the cloud adds the stack parameter that sets its limit. Every
message completes "<file name>: <reason>".
"""

from __future__ import annotations

import math

# Local limits (the cloud's are stack parameters: core.cloud.limits).
MAX_PIXELS_PER_FRAME = 40_000_000  # 8K is 33 MP; more is no video an editor cuts
MAX_STILLS_PER_JOB = 100_000
MAX_SNIPPETS_PER_JOB = 5_000


def _where(parameter: str | None) -> str:
    return f" (stack parameter {parameter})" if parameter else ""


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
