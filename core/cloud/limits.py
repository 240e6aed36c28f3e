"""What one upload may cost: the stack's per-job limits, checked before any work.

The limits are stack parameters (``infra/template.yaml``). The snippets function reads them
from its environment and refuses a job that exceeds one before it sends any event; the
desktop reads the same values from the stack's ``JobLimits`` output and refuses the job
before uploading it, with the same message (:mod:`core.limits`), which names the parameter
to change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

from .. import limits as wording
from ..plan import frame_indices, plan
from ..probe import MediaInfo
from ..settings import Settings

# The frame rate and size a snippet's render time is measured at (MaxSnippetSeconds).
REFERENCE_PIXEL_RATE = 1920 * 1080 * 30


@dataclass(frozen=True)
class CloudLimits:
    """Per-job limits; each field's metadata names its stack parameter and environment
    variable."""

    max_snippets: int = 1500  # 12 h of 30 s snippets
    max_stills: int = 50_000  # 12 h at one a second, and some
    long_video_seconds: float = 1800.0
    min_snippet_seconds_long: float = 10.0
    max_pixels: int = wording.MAX_PIXELS_PER_FRAME
    # The longest snippet the process function renders well within its timeout, at 1080p
    # and 30 fps; shorter for bigger or faster pictures (see docs/benchmarks.md).
    max_snippet_seconds: float = 180.0
    max_duration: float = 43200.0

    def check(self, name: str, info: MediaInfo, settings: Settings) -> str | None:
        """The reason ``info`` with ``settings`` exceeds a limit (completing
        ``"<name>: "``), or None."""
        del name  # the caller prefixes it; kept for symmetry with other checks
        pixels = info.width * info.height
        if pixels > self.max_pixels:
            return wording.too_many_pixels(
                info.width, info.height, self.max_pixels, PARAMETERS["max_pixels"]
            )
        snippets = plan(info.duration, settings)
        if len(snippets) > self.max_snippets:
            return wording.too_many_snippets(
                len(snippets), self.max_snippets, info.duration, PARAMETERS["max_snippets"]
            )
        stills = len(frame_indices(0.0, info.duration, settings))
        if stills > self.max_stills:
            return wording.too_many_stills(
                stills, self.max_stills, info.duration, PARAMETERS["max_stills"]
            )
        if (
            info.duration > self.long_video_seconds
            and settings.snippet_seconds < self.min_snippet_seconds_long
        ):
            return wording.snippets_too_short(
                settings.snippet_seconds,
                self.min_snippet_seconds_long,
                self.long_video_seconds,
                PARAMETERS["min_snippet_seconds_long"],
            )
        longest = max(s.duration for s in snippets)
        allowed = self.snippet_seconds_for(info)
        if longest > allowed:
            size = f"{info.width}×{info.height} at {info.fps:g} fps"
            return wording.snippets_too_long(
                settings.snippet_seconds, allowed, size, PARAMETERS["max_snippet_seconds"]
            )
        return None

    def snippet_seconds_for(self, info: MediaInfo) -> float:
        """The longest snippet of this video the process function may render."""
        rate = info.width * info.height * (info.fps if info.fps > 0 else 30.0)
        scale = min(1.0, REFERENCE_PIXEL_RATE / rate) if rate > 0 else 1.0
        return max(1.0, math.floor(self.max_snippet_seconds * scale))

    # -- where the values come from ----------------------------------------------------------

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> CloudLimits:
        values = {}
        for f in fields(cls):
            raw = env.get(ENVIRONMENT[f.name])
            if raw:
                values[f.name] = _number(f.type, raw)
        return cls(**values)

    @classmethod
    def from_output(cls, text: str | None) -> CloudLimits | None:
        """The limits in the stack's ``JobLimits`` output (``Name=value;…``); None when the
        stack has no such output (an older deployment)."""
        if not text:
            return None
        pairs = dict(item.partition("=")[::2] for item in text.split(";") if "=" in item)
        values = {}
        for f in fields(cls):
            raw = pairs.get(PARAMETERS[f.name], "").strip()
            if raw:
                try:
                    values[f.name] = _number(f.type, raw)
                except ValueError:
                    return None
        return cls(**values)


PARAMETERS = {
    "max_snippets": "MaxSnippetsPerJob",
    "max_stills": "MaxStillsPerJob",
    "long_video_seconds": "LongVideoSeconds",
    "min_snippet_seconds_long": "MinSnippetSecondsLongVideos",
    "max_pixels": "MaxPixelsPerFrame",
    "max_snippet_seconds": "MaxSnippetSeconds",
    "max_duration": "MaxVideoSeconds",
}
ENVIRONMENT = {
    "max_snippets": "MAX_SNIPPETS_PER_JOB",
    "max_stills": "MAX_STILLS_PER_JOB",
    "long_video_seconds": "LONG_VIDEO_SECONDS",
    "min_snippet_seconds_long": "MIN_SNIPPET_SECONDS_LONG_VIDEOS",
    "max_pixels": "MAX_PIXELS_PER_FRAME",
    "max_snippet_seconds": "MAX_SNIPPET_SECONDS",
    "max_duration": "MAX_DURATION_SECONDS",
}


def _number(type_name: object, raw: str) -> float | int:
    value = float(raw)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"not a limit: {raw!r}")
    return int(value) if type_name in ("int", int) else value
