"""What the window offers on the job it shows, beyond watching it: marks (gui.marks), getting
work out (gui.export), and how times are written (source timecode or elapsed time, a
setting). The main window makes one :class:`JobTools`, tells it which job it shows, and
puts its menus in the menu bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from core.export import ExportJob, HandoffFolder

from .export.commands import ExportCommands
from .export.dialog import WEB
from .export.runner import ExportRunner
from .marks.commands import JobMarks, MarkCommands
from .preview.shortcuts import action_rows, key_label
from .preview.time_labels import ELAPSED, TIMECODE, TimeLabels

if TYPE_CHECKING:
    from .main_window import MainWindow


class JobTools(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._job: ExportJob | None = None
        self._display = window.settings.time_display
        self.marks = MarkCommands(
            window, window.preview, window.message_bar, window.in_io, window.spawn
        )
        reveal = window.file_manager.reveal
        self.runner = ExportRunner(
            window.statusBar(), window.message_bar, window.spawn, reveal, self
        )
        self.exports = ExportCommands(
            window,
            window.preview,
            self.marks,
            self.runner,
            messages=window.message_bar,
            status=window.statusBar(),
            ui_state=window.ui_state,
            handoff=HandoffFolder(window.dirs.handoff),
            preview_dir=window.dirs.cache / "preview",
            in_io=window.in_io,
            spawn=window.spawn,
            reveal=reveal,
        )
        self.show_timecode = QAction("Show source timecode", window)
        self.show_timecode.setObjectName("show_timecode")
        self.show_timecode.setCheckable(True)
        self.show_timecode.setToolTip(
            "Times as the video's source timecode (HH:MM:SS:FF) when it has one; "
            "otherwise as the time elapsed since its start"
        )
        self.show_timecode.setChecked(self._display == TIMECODE)
        self.show_timecode.toggled.connect(self._timecode_toggled)
        self.show(None, None)

    # -- the shown job --------------------------------------------------------------------

    async def load(self, job: ExportJob | None) -> JobMarks | None:
        """Read what :meth:`show` needs of ``job`` (its marks), off the GUI thread."""
        return await self.marks.load(job)

    def show(self, job: ExportJob | None, held: JobMarks | None) -> None:
        self._job = job
        times = TimeLabels.choose(job, self._display)
        self._window.preview.set_time_labels(times)
        self.marks.set_time_labels(times)
        self.marks.show(held)
        self.exports.show(job, times)

    def time_labels(self) -> TimeLabels:
        return self._window.preview.time_labels()

    def set_time_display(self, display: str) -> None:
        """The setting changed: write times as ``display`` says from now on."""
        self._display = display
        self.show_timecode.setChecked(display == TIMECODE)
        times = TimeLabels.choose(self._job, display)
        self._window.preview.set_time_labels(times)
        self.marks.set_time_labels(times)
        self.exports.show(self._job, times)

    def _timecode_toggled(self, on: bool) -> None:
        display = TIMECODE if on else ELAPSED
        window = self._window
        if window.settings.time_display != display:
            window.apply_settings(window.settings.with_changes(time_display=display))

    async def shut_down(self) -> None:
        """The window closes: stop the exports (they leave nothing), finish saving marks."""
        self.runner.cancel_all()
        await self.marks.flush()

    # -- menus and the shortcut sheet -----------------------------------------------------

    def edit_items(self) -> list[QAction | None]:
        return [self.marks.undo, self.marks.redo]

    def playback_items(self) -> list[QAction | None]:
        return [self.show_timecode]

    def menus(self, parent: QWidget) -> list[QMenu]:
        m, e = self.marks.actions, self.exports.actions
        marks = QMenu("&Marks", parent)
        _fill(marks, [
            m["set_in"], m["set_out"], m["clear_in_out"], None, m["add_marker"],
            self.marks.edit_selected, self.marks.delete_selected, None, m["go_to_in"],
            m["go_to_out"], m["previous_mark"], m["next_mark"],
        ])  # fmt: skip
        dialogs = self.exports.dialog_actions
        export = QMenu("E&xport", parent)
        _fill(export, [
            e["copy_still"], self.exports.copy_gif, e["copy_timecode"], None, e["save_still"],
            e["save_full_still"], e["snippet_gif"], e["range_gif"], e["range_clip"], None,
            e["export_more"], dialogs[WEB], None,
            e["reveal_still"], self.exports.reveal_gif, self.exports.reveal_job,
        ])  # fmt: skip
        return [marks, export]

    def shortcut_sections(self) -> dict[str, list[tuple[str, str]]]:
        marks = [*self.marks.actions.values(), self.marks.undo, self.marks.redo]
        return {
            "Marks": [
                *action_rows(marks),
                (key_label("Delete"), "In the marks list: delete the selected mark (F2 edits)"),
            ],
            "Export": [
                *action_rows(self.exports.actions.values()),
                ("Drag", "The still, the GIF, or a thumbnail pulled up out of the timeline"),
            ],
        }


def _fill(menu: QMenu, items: list[QAction | None]) -> None:
    for item in items:
        menu.addAction(item) if item else menu.addSeparator()
