"""Files the system asks FrameFan to open: on macOS, videos dropped on the Dock icon or sent
with Finder's "Open With" (the bundle's Info.plist declares the video types), which Qt
delivers as ``QFileOpenEvent``. They take the same path as videos dropped on the window.

Finder sends one event per file; those that arrive together are handed over as one batch,
so that the window reports them once, as it does for a drop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from core.platform.system import MACOS, resolve


class FileOpenReceiver(QObject):
    def __init__(self, app: QApplication, deliver: Callable[[list[Path]], object]) -> None:
        super().__init__(app)
        self._deliver = deliver
        self._pending: list[Path] = []
        self._batch = QTimer(self)
        self._batch.setSingleShot(True)
        self._batch.setInterval(0)
        self._batch.timeout.connect(self._flush)
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.FileOpen or not isinstance(event, QFileOpenEvent):
            return False
        name = event.file() or event.url().toLocalFile()
        if name:
            self._pending.append(Path(name))
            self._batch.start()
        return True

    def _flush(self) -> None:
        paths, self._pending = self._pending, []
        if paths:
            self._deliver(paths)


def receive_opened_files(
    app: QApplication, deliver: Callable[[list[Path]], object], platform: str | None = None
) -> FileOpenReceiver | None:
    """From now on, hand the files the system asks to open to ``deliver``. Only macOS sends
    them: elsewhere nothing is installed, and events are not filtered for nothing."""
    if resolve(platform) != MACOS:
        return None
    return FileOpenReceiver(app, deliver)
