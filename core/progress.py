"""Fraction done and time left for one job, from per-snippet progress.

Work is measured in seconds of video. Snippets already complete when the run starts count
as done but not toward the speed estimate; paused time does not count either. The time left
is the work left at the average speed of the run so far, and is not given ("estimating…")
until there is a speed worth the name: some work measured over :data:`MIN_MEASURED`
seconds. :class:`EtaClock` is what a display shows between two estimates: it counts down,
and eases toward each new estimate instead of jumping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .manifest import DONE, Manifest

MIN_MEASURED = 2.0  # seconds of work before the time left is estimated
EASING = 0.3  # of the way from the shown time left to a new estimate, per estimate


class ProgressTracker:
    def __init__(
        self,
        durations: dict[int, float],
        already_done: float,
        total: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``durations``: seconds of video of each snippet to render in this run, by index."""
        self._durations = dict(durations)
        self._fractions = dict.fromkeys(durations, 0.0)
        self._already_done = already_done
        self._total = total
        self._clock = clock
        self._started = clock()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    @classmethod
    def for_manifest(cls, manifest: Manifest) -> ProgressTracker:
        """A tracker for a run that renders every snippet of ``manifest`` not yet done."""
        todo = {s.index: s.end - s.start for s in manifest.snippets if s.status != DONE}
        done = sum(s.end - s.start for s in manifest.snippets if s.status == DONE)
        return cls(todo, done, manifest.source.duration or 0.0)

    def update(self, index: int, fraction: float) -> None:
        if index in self._fractions:
            self._fractions[index] = max(self._fractions[index], min(1.0, fraction))

    def drop(self, index: int) -> None:
        """The snippet failed: its work is neither done nor left to do."""
        self._fractions.pop(index, None)
        self._durations.pop(index, None)

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self._clock()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += self._clock() - self._paused_at
            self._paused_at = None

    def _active_seconds(self) -> float:
        now = self._paused_at if self._paused_at is not None else self._clock()
        return max(0.0, now - self._started - self._paused_total)

    def _rendered(self) -> float:
        return sum(self._durations[i] * f for i, f in self._fractions.items())

    @property
    def fraction(self) -> float:
        if self._total <= 0:
            return 1.0
        return min(1.0, (self._already_done + self._rendered()) / self._total)

    @property
    def eta(self) -> float | None:
        """Seconds left, or None while too little is done to estimate."""
        rendered = self._rendered()
        elapsed = self._active_seconds()
        remaining = sum(self._durations.values()) - rendered
        if remaining <= 0:
            return 0.0
        if rendered <= 0 or elapsed < MIN_MEASURED:
            return None
        return remaining * elapsed / rendered


class EtaClock:
    """The time left as shown: it runs down with the clock between estimates, and moves a
    share (:data:`EASING`) of the way to each new one, so that the noise of single
    estimates does not make it jump."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._value: float | None = None
        self._at = 0.0

    def set(self, estimate: float | None) -> None:
        """A new estimate (None: none yet, or paused: nothing is shown)."""
        if estimate is None:
            self._value = None
            return
        shown = self.left()
        self._value = estimate if shown is None else shown + EASING * (estimate - shown)
        self._at = self._clock()

    def left(self) -> float | None:
        """Seconds left now, or None while there is no estimate."""
        if self._value is None:
            return None
        return max(0.0, self._value - (self._clock() - self._at))
