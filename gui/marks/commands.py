"""The marks of the shown job: I and O set in and out, M adds a marker at the playhead (or a
range from in to out), the panel and the dialog edit and delete them; every change can be
undone (one undo history per job, kept while the window is open).

Marks are saved to the job's ``marks.json`` after each change, off the GUI thread, one save
at a time. A damaged file is reported in the message bar and left alone until the next
change, whose save moves it aside (``marks.json.bad``) and says so. A file changed by another
program since it was read is not overwritten: the marks are read again from it and the user
is told that the last change was not saved. In and out are not saved: they are the working
state of an export, kept per job while the window is open.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QHelpEvent, QKeySequence, QUndoGroup, QUndoStack
from PySide6.QtWidgets import QToolTip, QWidget

from core.errors import UsageError
from core.export import ExportJob
from core.marks import MARKS_NAME, Mark, MarksConflictError, MarksError, MarkSet

from ..message_bar import ERROR, INFO, MessageBar
from ..preview.panel import PreviewPanel
from ..preview.shortcuts import MARKS, build_binding_actions
from ..preview.time_labels import TimeLabels
from .dialog import MarkDialog
from .edits import AddMark, DeleteMark, EditMark
from .layer import LayerState, MarksLayer
from .panel import MarksPanel, mark_span, mark_title

InIo = Callable[..., Awaitable[Any]]
Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
_EPSILON = 1e-3


@dataclasses.dataclass(eq=False)
class JobMarks:
    """One job's marks as the window holds them."""

    job: ExportJob
    marks: MarkSet
    stack: QUndoStack
    in_point: float | None = None
    out_point: float | None = None
    dirty: bool = False  # changed since the last save began
    saving: asyncio.Task[None] | None = None


class MarkCommands(QObject):
    changed = Signal()  # marks, in or out of the shown job changed

    def __init__(
        self,
        window: QWidget,
        preview: PreviewPanel,
        messages: MessageBar,
        in_io: InIo,
        spawn: Spawn,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._preview = preview
        self._messages = messages
        self._in_io = in_io
        self._spawn = spawn
        self._jobs: dict[Path, JobMarks] = {}
        self._shown: JobMarks | None = None
        self._times = TimeLabels()
        self._group = QUndoGroup(self)
        self.panel = MarksPanel()
        self.layer = MarksLayer(self._layer_state)
        timeline = preview.timeline
        timeline.set_layer(self.layer)
        timeline.installEventFilter(self)
        preview.add_side_section("Marks", self.panel)
        self.actions = build_binding_actions(MARKS, window, timeline, self.run_command)
        self.undo = self._group.createUndoAction(window, "Undo")
        self.undo.setObjectName("undo")
        self.undo.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo))
        self.redo = self._group.createRedoAction(window, "Redo")
        self.redo.setObjectName("redo")
        # Editors' Ctrl+Shift+Z first (the sheet shows it), then this system's own (Ctrl+Y).
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        first = QKeySequence("Ctrl+Shift+Z")
        self.redo.setShortcuts([first, *[k for k in redo_keys if k != first]])
        for action in (self.undo, self.redo):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
        self.edit_selected = QAction("Edit mark…", window)
        self.edit_selected.triggered.connect(lambda: self.edit(self.panel.selected()))
        self.delete_selected = QAction("Delete mark", window)
        self.delete_selected.triggered.connect(lambda: self.delete(self.panel.selected()))
        self.panel.goTo.connect(self._go_to)
        self.panel.addRequested.connect(self.add_marker)
        self.panel.editRequested.connect(self.edit)
        self.panel.deleteRequested.connect(self.delete)
        self.panel.list.currentRowChanged.connect(lambda _row: self._selection_changed())
        self._refresh()

    # -- the shown job --------------------------------------------------------------------

    async def load(self, job: ExportJob | None) -> JobMarks | None:
        """The marks of ``job``, read from its folder the first time (off the GUI thread)."""
        if job is None:
            return None
        held = self._jobs.get(job.job_dir)
        if held is None:
            try:
                marks = await self._in_io(MarkSet.load, job.job_dir)
            except OSError as exc:  # e.g. a folder that cannot be listed
                where = job.job_dir / MARKS_NAME
                self._messages.show_message(
                    f"{where}: cannot be read ({exc.strerror or exc}); no marks are shown",
                    key="marks",
                )
                return None
            held = self._jobs.get(job.job_dir)  # loaded meanwhile by another call
            if held is None:
                held = JobMarks(job, marks, QUndoStack(self))
                self._group.addStack(held.stack)
                self._jobs[job.job_dir] = held
                if marks.problem:
                    self._report_problem(marks)
        held.job = job  # the newest manifest: a running job grows
        return held

    def show(self, held: JobMarks | None) -> None:
        """Show (and act on) ``held``'s marks; None: no job is shown."""
        self._shown = held
        self._group.setActiveStack(held.stack if held is not None else None)
        self._refresh()

    def shown(self) -> JobMarks | None:
        return self._shown

    def set_time_labels(self, times: TimeLabels) -> None:
        self._times = times
        self._refresh()

    def in_out(self) -> tuple[float | None, float | None]:
        held = self._shown
        return (held.in_point, held.out_point) if held is not None else (None, None)

    def marks(self) -> list[Mark]:
        return list(self._shown.marks.marks) if self._shown is not None else []

    def mark_at(self, point: QPointF) -> int | None:
        """The mark drawn at ``point`` of the timeline, if any."""
        return self.layer.mark_at(self._preview.timeline, point)

    # -- commands -------------------------------------------------------------------------

    def run_command(self, command: str, arg: int = 0) -> None:
        """Run a command of :data:`gui.preview.shortcuts.MARKS`."""
        held = self._shown
        if held is None:
            return
        t = self._preview.position()
        if command == "set_in":
            held.in_point = t
            if held.out_point is not None and held.out_point <= t:
                held.out_point = None
        elif command == "set_out":
            held.out_point = t
            if held.in_point is not None and held.in_point >= t:
                held.in_point = None
        elif command == "clear_in_out":
            held.in_point = held.out_point = None
        elif command == "add_marker":
            self.add_marker()
            return
        elif command == "go_to":
            target = held.in_point if arg < 0 else held.out_point
            if target is not None:
                self._go_to(target)
            return
        elif command == "mark":
            self._step_mark(arg)
            return
        self._refresh()

    def add_marker(self) -> Mark | None:
        """A marker at the playhead, or a range from in to out when both are set (they are
        cleared then; undo sets them again)."""
        held = self._shown
        if held is None:
            return None
        number = len(held.marks.marks) + 1
        before = (held.in_point, held.out_point)
        try:
            if held.in_point is not None and held.out_point is not None:
                mark = Mark(held.in_point, held.out_point, f"Range {number}")
            else:
                mark = Mark(self._preview.position(), None, f"Marker {number}")
            mark.check_within(held.job.duration)
        except MarksError as exc:
            self._messages.show_message(f"Cannot add the mark: {exc}", key="marks")
            return None

        def restore() -> None:
            held.in_point, held.out_point = before

        if mark.is_range:
            held.in_point = held.out_point = None
        self._push(held, AddMark(held.marks, mark, self._after(held), restore))
        return mark

    def edit(self, index: int) -> MarkDialog | None:
        """Open the editor of mark ``index``; its changes are one undoable step."""
        held = self._shown
        if held is None or not 0 <= index < len(held.marks.marks):
            return None
        old = held.marks.marks[index]
        dialog = MarkDialog(old, held.job, self._times, self._window)
        dialog.setObjectName("markDialog")

        def accepted() -> None:
            if self._shown is not held or old not in held.marks.marks:
                return  # the marks changed meanwhile (read again from the file)
            try:
                new = dialog.value()
            except (UsageError, MarksError):
                return
            if new != old:
                self._push(held, EditMark(held.marks, old, new, self._after(held)))

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def delete(self, index: int) -> None:
        held = self._shown
        if held is None or not 0 <= index < len(held.marks.marks):
            return
        self._push(held, DeleteMark(held.marks, held.marks.marks[index], self._after(held)))

    def _push(self, held: JobMarks, command: Any) -> None:
        try:
            held.stack.push(command)  # runs the command's redo()
        except MarksError as exc:
            self._messages.show_message(f"Cannot change the marks: {exc}", key="marks")

    def _after(self, held: JobMarks) -> Callable[[Mark | None], None]:
        def changed(select: Mark | None) -> None:
            self._save_soon(held)
            if held is self._shown:
                self._refresh(select)

        return changed

    def _go_to(self, t: float) -> None:
        self._preview.set_position(t)

    def _step_mark(self, direction: int) -> None:
        t = self._preview.position()
        starts = sorted({m.start for m in self.marks()})
        if direction > 0:
            target = next((s for s in starts if s > t + _EPSILON), None)
        else:
            target = next((s for s in reversed(starts) if s < t - _EPSILON), None)
        if target is not None:
            self._go_to(target)

    # -- saving ---------------------------------------------------------------------------

    def _save_soon(self, held: JobMarks) -> None:
        held.dirty = True
        if held.saving is None or held.saving.done():
            held.saving = self._spawn(self._save(held))

    async def _save(self, held: JobMarks) -> None:
        while held.dirty:
            held.dirty = False
            # The save reads a copy: the list may change on this thread meanwhile.
            copy = dataclasses.replace(held.marks, marks=list(held.marks.marks))
            try:
                result = await self._in_io(copy.save)
            except MarksConflictError:
                await self._reload(held)
                return
            except MarksError as exc:
                self._messages.show_message(
                    f"Marks not saved: {exc}",
                    actions=[("Try again", lambda: self._save_soon(held))],
                    key="marks",
                )
                return
            held.marks.problem = copy.problem
            held.marks._stamp = copy._stamp  # what the file on disk now is
            self._messages.dismiss("marks")
            if result.kept_aside is not None:
                self._messages.show_message(
                    f"The damaged marks file was kept as {result.kept_aside.name}; the marks "
                    f"shown are saved in {MARKS_NAME}.",
                    INFO,
                    key="marks",
                )

    async def _reload(self, held: JobMarks) -> None:
        fresh = await self._in_io(MarkSet.load, held.job.job_dir)
        held.marks = fresh
        held.stack.clear()  # its steps refer to marks no longer there
        held.dirty = False
        if fresh.problem:
            self._report_problem(fresh)
        else:
            self._messages.show_message(
                f"{held.job.job_dir / MARKS_NAME}: changed by another program; its marks are "
                "shown now, and your last change was not saved.",
                key="marks",
            )
        if held is self._shown:
            self._refresh()

    async def flush(self) -> None:
        """Wait for the saves under way (the window is closing)."""
        for held in list(self._jobs.values()):
            if held.saving is not None and not held.saving.done():
                await asyncio.gather(held.saving, return_exceptions=True)

    def _report_problem(self, marks: MarkSet) -> None:
        self._messages.show_message(
            f"{marks.problem}. Its marks are not shown; the file is kept as it is, and moved "
            f"aside to {MARKS_NAME}.bad when a mark is added.",
            ERROR,
            key="marks",
        )

    # -- showing --------------------------------------------------------------------------

    def _layer_state(self) -> LayerState | None:
        held = self._shown
        if held is None:
            return None
        return LayerState(held.marks.marks, held.in_point, held.out_point, self.panel.selected())

    def _selection_changed(self) -> None:
        chosen = 0 <= self.panel.selected() < len(self.marks())
        self.edit_selected.setEnabled(chosen)
        self.delete_selected.setEnabled(chosen)
        self._preview.timeline.update()

    def _refresh(self, select: Mark | None = None) -> None:
        held = self._shown
        enabled = None if held is None else True
        marks = held.marks.marks if held is not None else []
        in_point, out_point = self.in_out()
        self.panel.show_marks(enabled, marks, in_point, out_point, self._times, select)
        for action in self.actions.values():
            action.setEnabled(held is not None)
        self._selection_changed()
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.mark_at(QPointF(event.pos()))
            marks = self.marks()
            if index is not None:
                mark = marks[index]
                text = f"{mark_title(mark, index + 1)}\n{mark_span(mark, self._times)}"
                if mark.note:
                    text += f"\n{mark.note}"
                QToolTip.showText(event.globalPos(), text, self._preview.timeline)
            else:
                QToolTip.hideText()
            return True
        return False
