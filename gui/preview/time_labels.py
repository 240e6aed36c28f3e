"""How the window writes a time: the video's source timecode (``01:00:05:12``) or the time
elapsed since its start (``1:29``), as the user chose. The ruler, the playhead's clock, the
hover thumbnail, the captions, the marks panel and copied timecodes all ask one
:class:`TimeLabels`, so they never disagree.

Elapsed time is shown to the second where the eye follows the playhead (the clock, the
ruler) and to the hundredth where a time is kept or handed on (marks, copied times), as the
exports write it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from core.export import ExportJob
from core.timecode import SourceClock
from core.timefmt import format_clock, format_elapsed

TIMECODE = "timecode"
ELAPSED = "elapsed"
# The setting's choices, as the settings dialog offers them.
TIME_DISPLAYS = {
    TIMECODE: "Source timecode (when the video has one)",
    ELAPSED: "Elapsed time",
}


def clock_text(t: float) -> str:
    """A position as players show it: the second it is in (1:29.6 is still 1:29)."""
    return format_clock(math.floor(t + 1e-6))


@dataclass(frozen=True)
class TimeLabels:
    """Times of one video as text. ``clock``: its source timecode, shown; None: elapsed
    time is shown."""

    clock: SourceClock | None = None

    @classmethod
    def choose(cls, job: ExportJob | None, display: str) -> TimeLabels:
        """The labels for ``job`` with the user's ``display`` setting: timecode only when
        the video has one."""
        if job is not None and display == TIMECODE and job.has_timecode:
            return cls(job.clock)
        return cls()

    @property
    def timecode(self) -> bool:
        return self.clock is not None

    def short(self, t: float) -> str:
        """For the clock, the ruler, the hover thumbnail and captions."""
        return self.clock.label(t) if self.clock is not None else clock_text(t)

    def precise(self, t: float) -> str:
        """For marks and copied times: to the frame, or to the hundredth of a second."""
        return self.clock.label(t) if self.clock is not None else format_elapsed(t)

    def ticks(self, step: float, duration: float) -> Iterator[float]:
        """Times of ruler ticks ``step`` seconds apart, up to ``duration``. With timecode
        they fall where the label is a whole multiple of ``step`` seconds (``01:00:10:00``),
        wherever the video's timecode starts."""
        first = 0.0
        if self.clock is not None:
            step = max(1, math.ceil(step - 1e-9))
            rate = self.clock.rate
            per_tick = rate.nominal * step
            first = ((-self.clock.start_frames) % per_tick) / float(rate.fps)
            step = per_tick / float(rate.fps)
        # However long the video, the count is bounded by the caller's choice of step.
        count = max(0, math.floor((duration - first) / step + 1e-9) + 1)
        for k in range(count):
            yield first + k * step
