"""Exports running in the background: each is a task on the window's event loop (ffmpeg and
picture work never run on the GUI thread, so scrubbing goes on), shown in the status bar
with its progress and a button to cancel it. A cancelled export leaves nothing behind (see
core.export). When one ends, the message bar says what was written, with a button to show
it, or why nothing was: a request to change (a range outside the video, a source that
moved) or a failure, each in one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QStatusBar,
    QToolButton,
    QWidget,
)

from core.errors import FrameFanError, UsageError

from ..message_bar import ERROR, INFO, MessageBar

T = TypeVar("T")
Progress = Callable[[float], None]
Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
# What an export's result says: a line for the message bar, and the file or folder written.
Outcome = tuple[str, Path | None]


class ExportRow(QWidget):
    """One running export in the status bar: its name, its progress, Cancel."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.label = QLabel(title)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setMaximumWidth(260)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(120)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(f"Progress of {title}")
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setAutoRaise(True)
        self.cancel.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cancel.setToolTip(f"Stop {title}; nothing is written")
        self.cancel.setAccessibleName(f"Cancel {title}")
        self.cancel.setAccessibleDescription("Stop this export; nothing is written")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.set_fraction(0.0)

    def fraction(self) -> float:
        return self.bar.value() / 1000

    def set_fraction(self, fraction: float) -> None:
        value = round(1000 * min(1.0, max(0.0, fraction)))
        if value != self.bar.value():
            self.bar.setValue(value)
            text = f"{self.title}: {value // 10}%"
            self.bar.setAccessibleDescription(text)
            self.setToolTip(text)


class ExportRunner(QObject):
    finished = Signal(str)  # an export's title, when it ended (done, failed or cancelled)

    def __init__(
        self,
        status_bar: QStatusBar,
        messages: MessageBar,
        spawn: Spawn,
        reveal: Callable[[Path], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._status = status_bar
        self._messages = messages
        self._spawn = spawn
        self._reveal = reveal
        self.rows: dict[asyncio.Task[Any], ExportRow] = {}

    def running(self) -> list[ExportRow]:
        return list(self.rows.values())

    def start(
        self,
        title: str,
        work: Callable[[Progress], Awaitable[T]],
        outcome: Callable[[T], Outcome],
    ) -> asyncio.Task[None]:
        """Run ``work`` (given a progress callback) as a background export named
        ``title``; ``outcome`` describes its result."""
        row = ExportRow(title)
        self._status.addPermanentWidget(row)
        row.show()

        async def run() -> None:
            try:
                result = await work(row.set_fraction)
                text, path = outcome(result)
            except asyncio.CancelledError:
                self._status.showMessage(f"{title}: cancelled; nothing was written.", 10_000)
                raise
            except UsageError as exc:
                self._messages.show_message(_sentence(f"{title}: {exc}"), key="export")
            except (FrameFanError, OSError) as exc:
                detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
                self._messages.show_message(
                    _sentence(f"{title} failed: {where}{detail}"), ERROR, key="export"
                )
            else:
                actions = [("Show in folder", lambda: self._reveal(path))] if path else []
                self._messages.show_message(text, INFO, actions, key="export")
            finally:
                self._status.removeWidget(row)
                row.deleteLater()
                self.finished.emit(title)

        task = self._spawn(run())
        self.rows[task] = row
        task.add_done_callback(lambda done: self.rows.pop(done, None))
        row.cancel.clicked.connect(lambda: task.cancel())
        return task

    def cancel_all(self) -> None:
        for task in list(self.rows):
            task.cancel()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def size_text(count: int) -> str:
    """A file size as people read it: 812 KB, 1.4 MB."""
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.0f} KB"
    return f"{count / 1_000_000:.1f} MB"
