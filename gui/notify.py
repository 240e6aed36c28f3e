"""One notification when the whole queue has finished, never one per file."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon


def summary(done: int, failed: int, cancelled: int) -> str:
    parts = [f"{done} done"]
    if failed:
        parts.append(f"{failed} failed")
    if cancelled:
        parts.append(f"{cancelled} stopped")
    return ", ".join(parts)


class QueueNotifier(QObject):
    notified = Signal(str, str)  # title, text

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._tray: QSystemTrayIcon | None = None

    def queue_finished(self, done: int, failed: int, cancelled: int) -> None:
        title = "FrameFan: queue finished"
        text = summary(done, failed, cancelled)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
            self._tray.show()
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if failed
                else QSystemTrayIcon.MessageIcon.Information
            )
            self._tray.showMessage(title, text, icon)
        QApplication.alert(self._window)
        self._window.statusBar().showMessage(f"Queue finished: {text}", 15000)
        self.notified.emit(title, text)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
