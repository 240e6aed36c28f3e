"""The estimate beside the Start button: how long the waiting jobs take here and on AWS,
what AWS charges, and the same for the selected job; shown when the backend is AWS or
Automatic (which also says what it will choose, and the time of both at once).

Estimates are made in a worker thread (a probe, and a calibration render the first time a
kind of video is seen) and kept per input and settings (the AWS ones included: the upload
limit changes the estimate), so the label updates as jobs are added or selected without
blocking the window. The selected job comes first. The label takes the toolbar's free
room and is shortened with "…" when there is too little, so no toolbar button is ever
pushed out of sight; the tooltip (and the accessible description) has the whole text and
the details.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar

from core.estimate.model import Estimate
from core.timefmt import format_clock

from .auto_backend import estimate_job
from .queue.entry import QUEUED, QueueEntry

# The estimate is shown, and test renders made for it, when AWS is an option.
ESTIMATED_FOR = ("auto", "lambda")
_CHOICE = {"local": "here", "lambda": "AWS", "hybrid": "both"}


def clock(seconds: float) -> str:
    return format_clock(max(1.0, seconds))  # "0:00" would read as nothing to do


def cost(usd: float) -> str:
    return "< $0.01" if usd < 0.005 else f"${usd:.2f}"


def describe(found: Estimate, automatic: bool = False) -> str:
    """One job: ``≈ here 0:40 · AWS 1:10 $0.02``; Automatic says first what it will choose,
    and also weighs both at once (when the video can be sent as segments):
    ``→ both ≈ 0:31 (here 0:40 · AWS 1:10 $0.02)``."""
    times = {
        "local": f"here {clock(found.local_seconds)}",
        "lambda": f"AWS {clock(found.cloud_seconds)}{_cost_note(found.cost_usd)}",
    }
    if automatic and found.hybrid_seconds is not None:
        times["hybrid"] = f"both {clock(found.hybrid_seconds)}"
    if not automatic:
        return "≈ " + " · ".join(times.values())
    best = found.best
    others = " · ".join(text for key, text in times.items() if key != best)
    return f"→ {_CHOICE[best]} ≈ {clock(_chosen_seconds(found))} ({others})"


def _cost_note(usd: float) -> str:
    return f" {cost(usd)}" if usd >= 0.005 else ""


def details(found: Estimate) -> str:
    """The tooltip's account of one job's estimate."""
    sent = "as segments" if found.upload_mode == "segments" else "as one file"
    parts = ", ".join(f"{k} {clock(v)}" for k, v in found.cloud_parts.items())
    lines = [
        f"{found.name}: {found.snippets} snippets",
        f"Here: {clock(found.local_seconds)} (from a short test render on this computer)",
        f"AWS: {clock(found.cloud_seconds)} — {parts}; sent {sent} at "
        f"{found.uplink_mbps:g} Mbit/s ({found.uplink_source}); first preview after "
        f"{clock(found.first_preview_seconds)}",
    ]
    if found.hybrid_seconds is not None:
        lines.append(
            f"Both at once: {clock(found.hybrid_seconds)}, about "
            f"{found.hybrid_local_snippets} of {found.snippets} snippets rendered here"
        )
    lines.append(
        f"AWS cost: {cost(found.cost_usd)} (list prices, {found.prices.region}, "
        f"{found.prices.date})"
    )
    return "\n".join(lines)


class EstimatePanel(QLabel):
    def __init__(self, run_blocking: Callable[..., asyncio.Task[Any]]) -> None:
        super().__init__()
        self.setObjectName("estimatePanel")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(10, 0, 10, 0)
        self.setAccessibleName("Estimated time and AWS cost")
        # Information, not a button: the muted colour of secondary text.
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(120)
        self._full = ""
        self._action: QAction | None = None  # its place in the toolbar
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
            self._action = toolbar.insertWidget(actions[after], self)
        else:
            self._action = toolbar.addWidget(self)
        self._action.setVisible(bool(self._full))

    def full_text(self) -> str:
        """The estimate as written before it is shortened to fit."""
        return self._full

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self._full) + 24
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _set_full(self, text: str) -> None:
        self._full = text
        self.setAccessibleDescription(text)
        if self._action is not None:
            self._action.setVisible(bool(text))  # no empty room in the toolbar
        self.updateGeometry()
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room))

    def update_for(self, entries: list[QueueEntry], selected: QueueEntry | None, settings) -> None:
        if settings.backend not in ESTIMATED_FOR:
            self._set_full("")  # local work only: nothing to weigh, no test renders
            self.setToolTip("")
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
        settings = self._settings
        what = (settings.processing.to_dict(), settings.values_of("local"))
        return (str(entry.input), repr((what, settings.values_of("lambda"))))

    def _done(self, key: tuple[str, str], task: asyncio.Task[Any]) -> None:
        self._pending.discard(key)
        self._known[key] = None if task.cancelled() or task.exception() else task.result()
        self._show()

    def _show(self) -> None:
        automatic = self._settings is not None and self._settings.backend == "auto"
        found = [self._known.get(self._key(e)) for e in self._entries] if self._settings else []
        known = [f for f in found if f is not None]
        parts = []
        alone = len(self._entries) == 1 and self._selected in self._entries
        mine = None
        if self._selected is not None and self._settings is not None:
            mine = self._known.get(self._key(self._selected))
            if mine is not None:
                parts.append(f"This job {describe(mine, automatic)}")
        if known and not alone:
            local = sum(f.local_seconds for f in known)
            # Uploads share the uplink; the rest of each cloud job overlaps the next upload.
            cloud = sum(f.cloud_parts["upload"] for f in known) + max(
                f.cloud_seconds - f.cloud_parts["upload"] for f in known
            )
            some = "" if len(known) == len(self._entries) else f" ({len(known)} so far)"
            times = f"here {clock(local)} · AWS {clock(cloud)}"
            times += _cost_note(sum(f.cost_usd for f in known))
            if automatic:
                chosen = clock(sum(_chosen_seconds(f) for f in known))
                parts.append(f"Queue{some} ≈ {chosen} as chosen ({times})")
            else:
                parts.append(f"Queue{some} ≈ {times}")
        waiting = bool(self._pending)
        self._set_full("   |   ".join(parts) or ("Estimating…" if waiting else ""))
        tips = [details(mine)] if mine is not None else []
        tips.append(
            "Estimated from a short test render on this computer, the last measured upload "
            "speed (or the upload limit) and the AWS stack's capacity (framefan estimate)"
        )
        self.setToolTip("\n\n".join(tips))


def _chosen_seconds(found: Estimate) -> float:
    return {
        "local": found.local_seconds,
        "lambda": found.cloud_seconds,
        "hybrid": found.hybrid_seconds or found.local_seconds,
    }[found.best]
