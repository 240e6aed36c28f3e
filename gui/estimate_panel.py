"""The estimate beside the Start button: how long the waiting jobs take here and on AWS,
what AWS charges, and the same for the selected job; shown when the backend is AWS or
Automatic.

Estimates are made in a worker thread (a probe, and a calibration render the first time a
kind of video is seen) and kept per input and settings, so the label updates as jobs are
added or selected without blocking the window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar

from core.estimate.model import Estimate
from core.timefmt import format_clock

from .auto_backend import estimate_job
from .queue.entry import QUEUED, QueueEntry

# The estimate is shown, and test renders made for it, when AWS is an option.
ESTIMATED_FOR = ("auto", "lambda")


def describe(found: Estimate) -> str:
    return (
        f"here ≈ {format_clock(found.local_seconds)}, AWS ≈ {format_clock(found.cloud_seconds)}"
        f" (${found.cost_usd:.2f})"
    )


class EstimatePanel(QLabel):
    def __init__(self, run_blocking: Callable[..., asyncio.Task[Any]]) -> None:
        super().__init__()
        self.setObjectName("estimatePanel")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(8, 0, 8, 0)
        self.setAccessibleName("Estimated time and AWS cost")
        self._run_blocking = run_blocking
        self._known: dict[tuple[str, str], Estimate | None] = {}
        self._pending: set[tuple[str, str]] = set()
        self._entries: list[QueueEntry] = []
        self._selected: QueueEntry | None = None
        self._settings: Any = None

    def attach(self, window: QMainWindow, beside: QAction) -> None:
        """Show it in the toolbar, right after ``beside`` (the Start button)."""
        toolbar = window.findChild(QToolBar, "mainToolbar")
        if toolbar is None:
            return
        actions = toolbar.actions()
        after = actions.index(beside) + 1 if beside in actions else len(actions)
        if after < len(actions):
            toolbar.insertWidget(actions[after], self)
        else:
            toolbar.addWidget(self)

    def update_for(self, entries: list[QueueEntry], selected: QueueEntry | None, settings) -> None:
        if settings.backend not in ESTIMATED_FOR:
            self.setText("")  # local work only: nothing to weigh, no test renders
            return
        self._entries = [e for e in entries if e.status == QUEUED and e.input]
        self._selected = selected if selected is not None and selected.input else None
        self._settings = settings
        for entry in [*self._entries, *([self._selected] if self._selected else [])]:
            key = self._key(entry)
            if key not in self._known and key not in self._pending:
                self._pending.add(key)
                task = self._run_blocking(
                    estimate_job,
                    entry.input,
                    settings.processing,
                    settings.values_of("local"),
                    settings.values_of("lambda"),
                )
                task.add_done_callback(lambda t, k=key: self._done(k, t))
        self._show()

    def _key(self, entry: QueueEntry) -> tuple[str, str]:
        return (str(entry.input), repr(self._settings.processing.to_dict()))

    def _done(self, key: tuple[str, str], task: asyncio.Task[Any]) -> None:
        self._pending.discard(key)
        self._known[key] = None if task.cancelled() or task.exception() else task.result()
        self._show()

    def _show(self) -> None:
        found = [self._known.get(self._key(e)) for e in self._entries] if self._settings else []
        known = [f for f in found if f is not None]
        parts = []
        if known:
            local = sum(f.local_seconds for f in known)
            cloud = sum(f.cloud_parts["upload"] for f in known) + max(
                f.cloud_seconds - f.cloud_parts["upload"] for f in known
            )
            cost = sum(f.cost_usd for f in known)
            more = "" if len(known) == len(self._entries) else "+"
            parts.append(
                f"Queue{more}: here ≈ {format_clock(local)}, AWS ≈ {format_clock(cloud)} "
                f"(${cost:.2f})"
            )
        if self._selected is not None and self._settings is not None:
            mine = self._known.get(self._key(self._selected))
            if mine is not None:
                parts.append(f"This job: {describe(mine)}")
        waiting = bool(self._pending)
        self.setText("   ·   ".join(parts) or ("Estimating…" if waiting else ""))
        self.setToolTip(
            "Estimated from a short test render on this computer, the last measured upload "
            "speed and the AWS stack's capacity (framefan estimate)"
        )
