"""Python's cyclic garbage collection, run on the GUI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed: a
boto3 or image-decoding worker, in this app. Collecting there can destroy Qt objects caught in
reference cycles away from the thread that owns them, which Qt does not allow (timers, for
one, cannot be stopped from another thread). So automatic collection is turned off and a
timer on the GUI thread collects instead, as often as the collector's own thresholds ask.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setObjectName("gui-thread garbage collection")
        self._timer.timeout.connect(self.collect)
        gc.disable()
        self._timer.start(_INTERVAL_MS)

    def collect(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
