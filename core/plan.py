"""Cutting a video's duration into snippets, and placing still frames on it.

Snippet ``i`` covers ``[i * L, min((i + 1) * L, duration))`` for snippet length ``L``: the
snippets tile ``[0, duration]`` (to the microsecond) with no gap, no overlap and no empty
snippet, and the last one ends exactly at the duration. Still frames sit at ``0, k, 2k, …``
(frame interval ``k``), every one strictly before the duration; frame ``n`` is at ``n * k``
and belongs to the snippet that contains that time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import Settings

# Times closer than this are the same time (guards float error in n * k and i * L).
EPSILON = 1e-6


@dataclass(frozen=True)
class Snippet:
    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def snippet_count(duration: float, settings: Settings) -> int:
    """How many snippets :func:`plan` makes, without making them."""
    end_of_video = round(duration, 6) if math.isfinite(duration) else duration
    if not math.isfinite(end_of_video) or end_of_video <= 0:
        raise ValueError(f"duration must be a positive number, not {duration!r}")
    return max(1, math.ceil(end_of_video / settings.snippet_seconds - EPSILON))


def plan(duration: float, settings: Settings) -> list[Snippet]:
    """The snippets that cover ``[0, duration]``."""
    count = snippet_count(duration, settings)
    end_of_video = round(duration, 6)
    length = settings.snippet_seconds
    snippets = []
    for index in range(count):
        start = round(index * length, 6)
        # The last one ends at the duration, also when a tail too short to be a snippet of
        # its own (float noise past a multiple of the length) makes it a little longer.
        end = end_of_video if index == count - 1 else round((index + 1) * length, 6)
        snippets.append(Snippet(index, start, end))
    return snippets


def frame_indices(start: float, end: float, settings: Settings) -> range:
    """Indices ``n`` of the still frames at times ``n * k`` in ``[start, end)``."""
    if not settings.frames:
        return range(0)
    k = settings.frame_interval
    first = math.ceil(start / k - EPSILON)
    stop = math.ceil(end / k - EPSILON)
    return range(first, max(first, stop))


def frame_time(index: int, settings: Settings) -> float:
    return round(index * settings.frame_interval, 6)


def frame_times(duration: float, settings: Settings) -> list[float]:
    """Times of all still frames of a video: ``0, k, 2k, … < duration``."""
    return [frame_time(n, settings) for n in frame_indices(0.0, duration, settings)]
