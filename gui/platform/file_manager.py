"""Showing files in the system's file manager, without blocking the window.

core.platform.reveal decides the steps for this system; :class:`FileManager` tries them in
order: a freedesktop file manager call over D-Bus (answered asynchronously), else a program
started on its own (Finder's ``open``, Explorer, ``xdg-open``) with the environment the
desktop's programs expect (core.platform.environment), so that a bundled FrameFan's
libraries do not leak into them. What cannot be shown is reported as one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from core.platform.reveal import (
    FileManagerCall,
    Launch,
    RevealError,
    Step,
    open_folder_steps,
    reveal_steps,
)

from .environment import system_programs_environment

Plan = Callable[[PurePath, str | None, Mapping[str, str] | None], list[Step]]

log = logging.getLogger(__name__)

# A file manager started by D-Bus activation may take a few seconds to answer.
DBUS_TIMEOUT_MS = 10_000


class FileManager(QObject):
    shown = Signal(str)  # how it was shown: the D-Bus method or the program started
    failed = Signal(str)  # why not, as a sentence for the user

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        platform: str | None = None,
        environ: Mapping[str, str] | None = None,
        bus_address: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._platform = platform
        self._environ = environ
        self._bus_address = bus_address  # tests: a private bus instead of the session's

    def reveal(self, path: Path) -> None:
        """Show ``path`` selected in its folder."""
        self._start(path, reveal_steps)

    def open_folder(self, folder: Path) -> None:
        self._start(folder, open_folder_steps)

    def _start(self, path: Path, plan: Plan) -> None:
        path = path.absolute()
        if not path.exists():
            self.failed.emit(f"Cannot show {path}: it no longer exists")
            return
        env, qt_env = system_programs_environment(self._environ)
        try:
            steps = plan(path, self._platform, env)
        except RevealError as exc:
            self.failed.emit(str(exc))
            return
        self._next(steps, str(path), qt_env, [])

    def _next(
        self, steps: list[Step], what: str, env: QProcessEnvironment, errors: list[str]
    ) -> None:
        while steps:
            step = steps.pop(0)
            if isinstance(step, FileManagerCall):
                if self._call(step, steps, what, env, errors):
                    return  # carried on when the file manager answers
            elif self._launch(step, env, errors):
                self.shown.emit(step.program)
                return
        detail = "; ".join(errors) or "no file manager was found"
        self.failed.emit(f"Cannot show {what}: {detail}")

    def _call(
        self,
        step: FileManagerCall,
        rest: list[Step],
        what: str,
        env: QProcessEnvironment,
        errors: list[str],
    ) -> bool:
        # Imported here: QtDBus is only ever used on Linux desktops.
        from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusPendingCallWatcher

        if self._bus_address is not None:
            bus = QDBusConnection.connectToBus(self._bus_address, f"framefan-{id(self)}")
        else:
            bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            errors.append("no D-Bus session bus")
            return False
        message = QDBusMessage.createMethodCall(
            step.service, step.path, step.interface, step.method
        )
        message.setArguments([list(step.uris), ""])
        # The watcher stays a child of this object: deleting it from its own signal, or
        # before a deferred delete ran, crashes the bindings.
        watcher = QDBusPendingCallWatcher(bus.asyncCall(message, DBUS_TIMEOUT_MS), self)

        def answered(done: QDBusPendingCallWatcher) -> None:
            if done.isError():
                log.info("file manager over D-Bus: %s", done.error().message())
                errors.append(f"no file manager answered over D-Bus ({done.error().name()})")
                self._next(rest, what, env, errors)
            else:
                self.shown.emit(step.method)

        watcher.finished.connect(answered)
        return True

    def _launch(self, step: Launch, env: QProcessEnvironment, errors: list[str]) -> bool:
        process = QProcess(self)
        process.setProgram(step.program)
        process.setArguments(list(step.arguments))
        if step.native_arguments is not None:
            process.setNativeArguments(step.native_arguments)  # Windows only, as the step
        process.setProcessEnvironment(env)
        started = process.startDetached()
        process.deleteLater()
        ok = started[0] if isinstance(started, tuple) else bool(started)
        if not ok:
            errors.append(f"{step.program} did not start")
        return ok
