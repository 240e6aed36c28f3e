"""The queue's commands on one job (pause, stop, retry, re-render, export, show its folder,
remove), reached from the row's buttons, the Queue menu and the row's context menu alike.

The menu actions act on the selected job and are enabled only where they can help (see
:func:`gui.queue.actions.row_actions`); the context menu lists just those.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from core.manifest import CANCELLED

from ..icons import TintedIcons
from .actions import ROW_ACTIONS, row_actions
from .entry import PAUSED, UNREADABLE, QueueEntry
from .model import QueueModel
from .scheduler import JobScheduler
from .settings_drift import fresh_job_dir

# Menu actions: one for pause and resume, one for retry and continue (the text follows).
MENU_GROUPS = (
    ("pause", "cancel", "retry"),
    ("rerender", "rerender_new"),
    ("export", "reveal", "remove"),
)
MENU_ORDER = tuple(name for group in MENU_GROUPS for name in group)
SHORTCUTS = {"pause": "Ctrl+P", "remove": "Delete"}
_SAME_ITEM = {"resume": "pause", "continue": "retry", "restart": "retry"}


class RowCommands(QObject):
    made = Signal(str)  # the id of a new entry a command made (a re-render in a new folder)

    def __init__(
        self,
        window: QWidget,
        model: QueueModel,
        scheduler: JobScheduler,
        icons: TintedIcons,
        selected: Callable[[], QueueEntry | None],
        output_folder: Callable[[], Path],
        backend: Callable[[], str],
        reveal: Callable[[Path], None],
        export: Callable[[Path], object] | None = None,
        shown_job_actions: Callable[[], list[QAction]] | None = None,
    ) -> None:
        """``export`` opens the export dialog of a job folder; ``shown_job_actions`` are the
        shown job's own (save a still, export a range…), offered in the row's menu."""
        super().__init__(window)
        self._model = model
        self._scheduler = scheduler
        self._selected = selected
        self._output_folder = output_folder
        self._backend = backend
        self._reveal = reveal
        self._export = export
        self._shown_job_actions = shown_job_actions
        self._icons = icons
        self.actions: dict[str, QAction] = {}
        for name in MENU_ORDER:
            spec = ROW_ACTIONS[name]
            action = QAction(spec.text, window)
            action.setObjectName(f"job_{name}")
            if spec.icon:
                icons.set(action, spec.icon)
            if name in SHORTCUTS:
                action.setShortcut(QKeySequence(SHORTCUTS[name]))
            action.triggered.connect(lambda _checked=False, n=name: self._on_menu(n))
            window.addAction(action)
            self.actions[name] = action
        self.update()

    # -- running --------------------------------------------------------------------------

    def run(self, entry_id: str, action: str) -> QueueEntry | None:
        """Run ``action`` on the job ``entry_id``; returns a new entry it made, if any."""
        entry = self._model.entry(entry_id)
        if entry is None:
            return None
        made = None
        if action == "reveal":
            if entry.job_dir is not None:
                self._reveal(entry.job_dir)
        elif action == "export":
            if entry.job_dir is not None and self._export is not None:
                self._export(entry.job_dir)
        elif action == "rerender_new":
            made = self.rerender_in_new_folder(entry)
        else:
            handler = {
                "pause": self._scheduler.pause,
                "resume": self._scheduler.resume,
                "cancel": self._scheduler.cancel,
                "retry": self._scheduler.retry,
                "continue": self._scheduler.retry,
                "restart": self._scheduler.retry,  # started over: a new manifest
                "rerender": self._scheduler.rerender,
                "remove": self._scheduler.remove,
            }[action]
            handler(entry_id)
        self.update()
        return made

    def rerender_in_new_folder(self, entry: QueueEntry) -> QueueEntry | None:
        """A new job for ``entry``'s video in a folder of its own, with the current
        settings; the earlier job stays as it is."""
        if entry.input is None:
            return None
        taken = {e.job_dir for e in self._model if e.job_dir is not None}
        job_dir = fresh_job_dir(self._output_folder(), entry.input, taken)
        made = QueueEntry(entry.input, entry.name, self._backend(), job_dir)
        self._model.add([made])
        self._scheduler.pump()
        self.made.emit(made.id)
        return made

    def _on_menu(self, name: str) -> None:
        entry = self._selected()
        if entry is None:
            return
        available = self._available(entry)
        for action in available:
            if _SAME_ITEM.get(action, action) == name:
                self.run(entry.id, action)
                return

    # -- offering -------------------------------------------------------------------------

    def _available(self, entry: QueueEntry) -> list[str]:
        return row_actions(entry, self._scheduler.can_pause(entry), self._model.is_stale(entry))

    def update(self) -> None:
        """Enable the menu actions that can help the selected job; name them for its state."""
        entry = self._selected()
        available = {_SAME_ITEM.get(a, a) for a in self._available(entry)} if entry else set()
        for name, action in self.actions.items():
            action.setEnabled(name in available)
        pause = self.actions["pause"]
        paused = entry is not None and entry.status == PAUSED
        pause.setText(ROW_ACTIONS["resume" if paused else "pause"].text)
        self._icons.set(pause, ROW_ACTIONS["resume" if paused else "pause"].icon or "pause")
        retry = self.actions["retry"]
        status = entry.status if entry is not None else None
        shown = {CANCELLED: "continue", UNREADABLE: "restart"}.get(status, "retry")
        retry.setText(ROW_ACTIONS[shown].text)

    def context_menu(self, parent: QWidget, at: QPoint) -> QMenu | None:
        """The selected job's context menu at ``at`` (global), holding what can help."""
        entry = self._selected()
        if entry is None:
            return None
        self.update()
        menu = QMenu(parent)
        menu.setAccessibleName(f"Actions for {entry.name}")
        shown = [a for a in self._shown_job_actions() if a.isEnabled()] if (
            self._shown_job_actions is not None and "export" in self._available(entry)
        ) else []  # fmt: skip
        for group in MENU_GROUPS:
            enabled = [self.actions[n] for n in group if self.actions[n].isEnabled()]
            if group[0] == "export" and shown:
                enabled = enabled[:1] + shown + enabled[1:]
            if enabled and menu.actions():
                menu.addSeparator()
            menu.addActions(enabled)
        menu.popup(at)
        return menu
