"""One notification when the whole queue has finished, never one per file.

Where it goes is decided in core.platform.notifications: the desktop's notification server
on Linux (through ``gdbus``, with Qt's tray icon as the fallback), Qt's tray icon on macOS
and Windows. The window also asks for attention (the Dock bounces, the taskbar flashes) and
says it in its status bar.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from core.platform.notifications import notify_command

from .environment import system_programs_environment

log = logging.getLogger(__name__)

TRAY = "tray"
DESKTOP = "desktop"


def summary(done: int, failed: int, cancelled: int) -> str:
    parts = [f"{done} done"]
    if failed:
        parts.append(f"{failed} failed")
    if cancelled:
        parts.append(f"{cancelled} stopped")
    return ", ".join(parts)


class QueueNotifier(QObject):
    notified = Signal(str, str)  # title, text
    delivered = Signal(str)  # DESKTOP or TRAY: where the notification went

    def __init__(
        self,
        window: QMainWindow,
        *,
        platform: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._platform = platform
        self._environ = environ
        self._tray: QSystemTrayIcon | None = None
        self._senders: set[QProcess] = set()

    def queue_finished(self, done: int, failed: int, cancelled: int) -> None:
        title = "FrameFan: queue finished"
        text = summary(done, failed, cancelled)
        env, qt_env = system_programs_environment(self._environ)
        command = notify_command(title, text, self._platform, env)
        if command is None:
            self._tray_message(title, text, failed > 0)
        else:
            self._send(command, qt_env, title, text, failed > 0)
        QApplication.alert(self._window)
        self._window.statusBar().showMessage(f"Queue finished: {text}", 15000)
        self.notified.emit(title, text)

    def _send(
        self, command: list[str], env: QProcessEnvironment, title: str, text: str, warn: bool
    ) -> None:
        process = QProcess(self)
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self._senders.add(process)

        def finished(*_args) -> None:
            self._senders.discard(process)
            output = bytes(process.readAll().data()).decode(errors="replace").strip()
            ok = process.exitStatus() == QProcess.ExitStatus.NormalExit and process.exitCode() == 0
            process.deleteLater()
            if ok:
                self.delivered.emit(DESKTOP)
            else:
                log.info("desktop notification failed: %s", output)
                self._tray_message(title, text, warn)

        process.finished.connect(finished)
        process.errorOccurred.connect(
            lambda error: error == QProcess.ProcessError.FailedToStart and finished()
        )
        process.start(command[0], command[1:])

    def _tray_message(self, title: str, text: str, warn: bool) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
        self._tray.show()
        icon = (
            QSystemTrayIcon.MessageIcon.Warning if warn else QSystemTrayIcon.MessageIcon.Information
        )
        self._tray.showMessage(title, text, icon)
        self.delivered.emit(TRAY)

    def close(self) -> None:
        for process in list(self._senders):
            process.kill()
            process.waitForFinished(2000)
        if self._tray is not None:
            self._tray.hide()
