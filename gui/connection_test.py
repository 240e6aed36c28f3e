"""The "Test connection" control of a backend's settings: a button, a busy indicator while
the backend's (blocking) test runs in a worker thread, and the result step by step, each
failure with its message saying what to do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .backends import Backend, ConnectionReport

# Runs ``func(*args)`` off the GUI thread; the returned future resolves on the event loop.
RunBlocking = Callable[..., "asyncio.Future[Any]"]

MESSAGE_WIDTH = 270
OK_COLOR = "#2e9d5b"
FAILED_COLOR = "#d64545"


class ConnectionTester(QWidget):
    tested = Signal(bool)  # the test ended: connected or not
    resultShown = Signal()  # the result (or why the test cannot run) is on show

    def __init__(
        self,
        backend: Backend,
        values: Callable[[], Mapping[str, Any]],
        run_blocking: RunBlocking,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        assert backend.test_connection is not None
        self._backend = backend
        self._values = values
        self._run_blocking = run_blocking
        self._task: asyncio.Future[Any] | None = None
        self.report: ConnectionReport | None = None

        self.button = QPushButton("Test connection")
        self.button.setToolTip(
            "Check the credentials, the stack and the permissions to upload and read results"
        )
        self.button.clicked.connect(self.start)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy, with no measure of how far
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(90, 6)
        self.busy.hide()
        self.status = QLabel()
        self.status.setObjectName("secondaryText")
        # One row per step: mark, step, message (wrapped, selectable to copy).
        self.result = QWidget()
        self._grid = QGridLayout(self.result)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(4)
        self._grid.setColumnStretch(2, 1)
        self.result.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.button)
        row.addWidget(self.busy)
        row.addWidget(self.status)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(row)
        layout.addWidget(self.result)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Future[Any] | None:
        """Run the test with the values now entered; None when it cannot run."""
        if self.running:
            return self._task
        values = dict(self._values())
        missing = self._backend.missing(values)
        if missing is not None:
            self._show_lines(False, [("", f"Enter the {missing.label.lower()} first.")])
            return None
        self.report = None
        self._set_busy(True)
        assert self._backend.test_connection is not None
        self._task = self._run_blocking(self._backend.test_connection, values)
        self._task.add_done_callback(self._finished)
        return self._task

    def stop(self) -> None:
        """Forget a running test (its thread ends with its network call; the result is
        dropped)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _finished(self, task: asyncio.Future[Any]) -> None:
        if not shiboken6.isValid(self):
            return  # the dialog was closed meanwhile
        self._set_busy(False)
        if task.cancelled():
            self.status.setText("")
            return
        exc = task.exception()
        if exc is not None:
            self._show_lines(False, [("", f"The test could not run ({exc.__class__.__name__}).")])
            self.tested.emit(False)
            return
        report: ConnectionReport = task.result()
        self.report = report
        lines = [
            (_step_title(step.name), _without_prefix(step.message, step.name), step.ok)
            for step in report.steps
        ]
        self._show_steps(report.ok, lines)
        self.tested.emit(report.ok)

    # -- showing --------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.busy.setVisible(busy)
        self.status.setText("Testing…" if busy else "")
        self.status.setStyleSheet("")
        if busy:
            self.result.hide()

    def _show_lines(self, ok: bool, lines: list[tuple[str, str]]) -> None:
        self._show_steps(ok, [(title, message, ok) for title, message in lines])

    def result_text(self) -> str:
        """The result as plain text, one step a line."""
        lines = []
        for row in range(self._grid.rowCount()):
            cells = [self._grid.itemAtPosition(row, column) for column in range(3)]
            texts = [c.widget().text() for c in cells if c is not None and c.widget()]
            if texts:
                lines.append(" ".join(t for t in texts if t))
        return "\n".join(lines)

    def _show_steps(self, ok: bool, steps: list[tuple[str, str, bool]]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        top = Qt.AlignmentFlag.AlignTop
        for row, (title, message, step_ok) in enumerate(steps):
            color, mark = (OK_COLOR, "✓") if step_ok else (FAILED_COLOR, "✗")
            mark_label = QLabel(mark)
            mark_label.setStyleSheet(f"color: {color}; font-weight: 700;")
            title_label = QLabel(title)
            title_label.setStyleSheet("font-weight: 600;")
            text = QLabel(_sentence(message))
            text.setWordWrap(True)
            # Layouts size a wrapped label by its hint: a hint near the room it really has
            # (the dialog's field column) wraps it as it will be shown.
            text.setMinimumWidth(MESSAGE_WIDTH)
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._grid.addWidget(mark_label, row, 0, top)
            self._grid.addWidget(title_label, row, 1, top)
            self._grid.addWidget(text, row, 2, top)
        self.result.show()
        self.status.setText("Connected" if ok else "Not connected")
        self.status.setStyleSheet(f"color: {OK_COLOR if ok else FAILED_COLOR}; font-weight: 600;")
        self.resultShown.emit()


def _step_title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _without_prefix(message: str, name: str) -> str:
    """A failure's message names its step already ("upload: access denied…")."""
    prefix = f"{name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
