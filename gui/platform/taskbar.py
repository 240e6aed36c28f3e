"""The queue's progress on the taskbar or the dock, where the system offers it (what each
system offers is decided in core.platform.taskbar): the Unity launcher API's D-Bus signal on
Linux, Qt's application badge (videos left) on macOS and Windows. Where nothing listens,
nothing happens and nothing is said: it is a nicety, never a requirement."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from core.platform.taskbar import BADGE, UNITY, launcher_update, taskbar_kind

log = logging.getLogger(__name__)

# The bar moves on by at least this much before the dock is told again (a signal a second
# at most, as the queue's status is redrawn).
STEP = 0.005


class TaskbarProgress(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        *,
        platform: str | None = None,
        bus_address: str | None = None,  # tests: a private bus instead of the session's
    ) -> None:
        super().__init__(parent)
        self._kind = taskbar_kind(platform)
        self._bus_address = bus_address
        self._fraction: float | None = None  # as last shown (nothing, at first)
        self._badge = 0
        self._bus = None

    def show(self, fraction: float | None, videos_left: int) -> None:
        """Show the queue at ``fraction`` (0–1) with ``videos_left`` to do; None hides it."""
        if self._kind == UNITY:
            if not _moved(self._fraction, fraction):
                return
            self._fraction = fraction
            self._send_launcher_update(fraction)
        elif self._kind == BADGE:
            badge = videos_left if fraction is not None else 0
            if badge != self._badge:
                self._badge = badge
                QGuiApplication.setBadgeNumber(badge)

    def clear(self) -> None:
        self.show(None, 0)

    def _send_launcher_update(self, fraction: float | None) -> None:
        # Imported here: QtDBus is only ever used on Linux desktops.
        from PySide6.QtDBus import QDBusConnection, QDBusMessage

        if self._bus is None:
            if self._bus_address is not None:
                self._bus = QDBusConnection.connectToBus(self._bus_address, f"framefan-{id(self)}")
            else:
                self._bus = QDBusConnection.sessionBus()
        if not self._bus.isConnected():
            return  # no session bus (a headless machine): no dock to tell
        update = launcher_update(fraction)
        message = QDBusMessage.createSignal(update.path, update.interface, update.member)
        message.setArguments([update.app_uri, update.properties])
        if not self._bus.send(message):
            log.debug("the taskbar progress could not be sent: %s", self._bus.lastError().message())


def _moved(shown: float | None, fraction: float | None) -> bool:
    """Whether ``fraction`` is worth telling the dock, ``shown`` being on display."""
    if shown is None or fraction is None:
        return shown is not fraction
    return abs(fraction - shown) >= STEP
