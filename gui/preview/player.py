"""Playback of the timeline: the position follows a clock, not a count of timer ticks.

The timer only decides how often the picture is refreshed; the position at each refresh is
computed from the time elapsed since playback (or its last change of speed) began, so that a
second of playback takes a second even when the machine is busy and ticks come late.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

TICK_MS = 40  # 25 refreshes a second: smooth enough for stills and 10 fps GIFs
MAX_SPEED = 64


class Player(QObject):
    moved = Signal(float)  # the position now, while playing
    speedChanged = Signal(int)  # signed speed (1 = real time, -2 = backward at 2×); 0: stopped

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._speed = 0
        self._anchor_time = 0.0
        self._anchor_position = 0.0
        self._timer = QTimer(self)
        self._timer.setObjectName("playback")
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def speed(self) -> int:
        return self._speed

    def play(self, position: float, speed: int) -> None:
        """Play from ``position`` at ``speed`` (clamped to ±:data:`MAX_SPEED`)."""
        speed = max(-MAX_SPEED, min(MAX_SPEED, speed))
        if speed == 0:
            self.stop()
            return
        self._anchor_time, self._anchor_position = self._clock(), position
        changed = speed != self._speed
        self._speed = speed
        if not self._timer.isActive():
            self._timer.start()
        if changed:
            self.speedChanged.emit(speed)

    def faster(self, position: float, direction: int) -> None:
        """J or L: start in that direction, or double the speed if already going that way."""
        if self._speed and (self._speed > 0) == (direction > 0):
            self.play(position, self._speed * 2)
        else:
            self.play(position, direction)

    def stop(self) -> None:
        if self._speed:
            self._speed = 0
            self._timer.stop()
            self.speedChanged.emit(0)

    def position_now(self) -> float:
        return self._anchor_position + self._speed * (self._clock() - self._anchor_time)

    def _tick(self) -> None:
        if self._speed:
            self.moved.emit(self.position_now())
