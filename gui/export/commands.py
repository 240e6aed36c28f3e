"""Getting work out of the shown job, from the keyboard, the menus and the mouse alike: the
clipboard (Ctrl+C the still, Ctrl+Shift+C the timecode), dragging the still, the GIF or a
filmstrip thumbnail out, saving a still, a snippet's GIF, a GIF or a clip of the in–out
range, the export dialog, and showing files in the file manager. The still, the GIF and the
timeline each have a context menu of what applies to them.

Pictures handed to other programs go through :mod:`gui.export.handouts`; exports run in the
background
(:class:`~gui.export.runner.ExportRunner`) through the same core functions as
``framefan export``, on the job as its folder holds it at that moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QStatusBar, QWidget

from core.errors import UsageError
from core.export import (
    ExportJob,
    HandoffFolder,
    export_clip,
    export_gif,
    export_snippet_gif,
    export_still,
    open_job,
)

from ..marks.panel import mark_title
from ..message_bar import MessageBar
from ..preview.panel import PreviewPanel
from ..preview.shortcuts import EXPORT, build_binding_actions
from ..preview.time_labels import TimeLabels
from ..ui_state import UiState
from .dialog import SHEET, WEB, ExportDialog
from .handouts import NO_GIF, NO_STILL, Handouts
from .range_dialog import CLIP, GIF, RangeDialog, RangeRequest, source_missing
from .runner import ExportRunner, size_text

InIo = Callable[..., Awaitable[Any]]
Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
FOLDER_KEY = "export_folder"
STILL_FILTERS = "JPEG picture (*.jpg);;PNG picture (*.png)"
# The export dialog's web page tab has its own menu item; Ctrl+E opens the dialog at the
# contact sheet, beside sprites and markers.
DIALOG_ITEMS = {WEB: "Web page…"}


class ExportCommands(QObject):
    def __init__(
        self,
        window: QWidget,
        preview: PreviewPanel,
        marks: Any,  # gui.marks.commands.MarkCommands: in, out, the marker actions
        runner: ExportRunner,
        *,
        messages: MessageBar,
        status: QStatusBar,
        ui_state: UiState,
        handoff: HandoffFolder,
        preview_dir: Path,
        in_io: InIo,
        spawn: Spawn,
        reveal: Callable[[Path], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._preview = preview
        self._marks = marks
        self.runner = runner
        self._messages = messages
        self._status = status
        self._ui_state = ui_state
        self._preview_dir = preview_dir
        self._in_io = in_io
        self._spawn = spawn
        self._reveal = reveal
        self._job: ExportJob | None = None
        self._times = TimeLabels()
        timeline = preview.timeline
        self.actions = build_binding_actions(EXPORT, window, timeline, self.run_command)
        self.handouts = Handouts(preview, handoff, messages, status)
        self.copy_gif = self._action("Copy GIF", self.handouts.copy_gif_now)
        self.reveal_gif = self._action("Reveal GIF in file manager", self.reveal_gif_file)
        self.reveal_job = self._action("Show job folder", self.reveal_job_folder)
        self.dialog_actions = {SHEET: self.actions["export_more"]}
        for kind, text in DIALOG_ITEMS.items():
            self.dialog_actions[kind] = self._action(
                text, lambda _checked=False, k=kind: self.open_dialog(k)
            )
        # Asked for where files go, and where a moved source video is now; tests answer
        # instead of a file dialog.
        self.ask_save_path: Callable[[str, Path, str], Path | None] = self._ask_save_path
        self.ask_source: Callable[[ExportJob], Path | None] = self._ask_source
        for widget, menu in (
            (preview.frame_view, self.still_menu),
            (preview.gif_view.screen, self.gif_menu),
            (timeline, self.timeline_menu),
        ):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda at, w=widget, m=menu: m(w.mapToGlobal(at), QPointF(at))
            )
        self.show(None, self._times)

    def _action(self, text: str, slot: Callable[..., Any]) -> QAction:
        action = QAction(text, self._window)
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)
        return action

    # -- the shown job --------------------------------------------------------------------

    def show(self, job: ExportJob | None, times: TimeLabels) -> None:
        self._job, self._times = job, times
        self.handouts.show(job, times)
        for action in self.all_actions():
            action.setEnabled(job is not None)

    def all_actions(self) -> list[QAction]:
        return [
            *self.actions.values(),
            self.copy_gif,
            self.reveal_gif,
            self.reveal_job,
            *self.dialog_actions.values(),
        ]

    def row_menu_actions(self) -> list[QAction]:
        """What the selected job's row offers (it is the job shown)."""
        a = self.actions
        return [
            a["save_still"],
            a["snippet_gif"],
            a["range_gif"],
            a["range_clip"],
            a["export_more"],
            a["copy_timecode"],
            self._marks.actions["add_marker"],
        ]

    def run_command(self, command: str, arg: int = 0) -> None:
        """Run a command of :data:`gui.preview.shortcuts.EXPORT`."""
        if self._job is None:
            return
        if command == "copy_still":
            self.handouts.copy_still()
        elif command == "copy_time":
            self.handouts.copy_timecode()
        elif command == "save_still":
            self.save_still(full_size=bool(arg))
        elif command == "snippet_gif":
            self.save_snippet_gif()
        elif command == "range":
            self.export_range(CLIP if arg else GIF)
        elif command == "dialog":
            self.open_dialog(SHEET)
        elif command == "reveal":
            self.reveal_still_file()

    # -- saving and exporting -------------------------------------------------------------

    def _folder(self) -> Path:
        remembered = self._ui_state.text_value(FOLDER_KEY)
        if remembered and Path(remembered).is_dir():
            return Path(remembered)
        assert self._job is not None
        return self._job.job_dir.parent

    def _remember(self, output: Path) -> None:
        self._ui_state.set_text_value(FOLDER_KEY, str(output.parent))

    def _ask_save_path(self, title: str, suggested: Path, filters: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self._window, title, str(suggested), filters)
        return Path(chosen) if chosen else None

    def _ask_source(self, job: ExportJob) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(
            self._window, f"{job.name} was moved: where is it now?", str(job.job_dir.parent)
        )
        return Path(chosen) if chosen else None

    def _fresh_job(self) -> Callable[[], Awaitable[ExportJob]]:
        """The shown job as its folder holds it when the export starts (a running job has
        more stills by then)."""
        assert self._job is not None
        job_dir = self._job.job_dir
        return lambda: self._in_io(open_job, job_dir)

    def save_still(
        self, *, full_size: bool = False, path: Path | None = None
    ) -> asyncio.Task[None] | None:
        t = self._preview.position()
        still = self.handouts.still_at(t)
        if still is None and not full_size:
            self._status.showMessage(NO_STILL, 10_000)
            return None
        assert self._job is not None
        source = None
        if full_size and source_missing(self._job):  # decoded from the source: where is it?
            source = self.ask_source(self._job)
            if source is None:
                return None
        name = self._job.file_name(still.time if still else t, ".jpg")
        title = "Save full-size still" if full_size else "Save still"
        output = path or self.ask_save_path(title, self._folder() / name, STILL_FILTERS)
        if output is None:
            return None
        self._remember(output)
        at = still.time if still is not None else t
        fresh = self._fresh_job()

        async def work(progress):
            return await export_still(
                await fresh(), at, output, full_size=full_size, source=source, force=True,
                on_progress=progress,
            )  # fmt: skip

        return self.runner.start(
            f"Still {output.name}",
            work,
            lambda r: (f"Saved {r.path.name} ({r.width} × {r.height})", r.path),
        )

    def save_snippet_gif(self, path: Path | None = None) -> asyncio.Task[None] | None:
        gif = self.handouts.gif_here()
        model = self._preview.model()
        if gif is None or model is None:
            self._status.showMessage(NO_GIF, 10_000)
            return None
        output = path or self.ask_save_path(
            "Save the snippet's GIF", self._folder() / gif.name, "GIF (*.gif)"
        )
        if output is None:
            return None
        self._remember(output)
        index = model.snippet_at(self._preview.position())
        fresh = self._fresh_job()

        async def work(progress):
            return await export_snippet_gif(
                await fresh(), index, output, force=True, on_progress=progress
            )

        return self.runner.start(
            f"GIF {output.name}",
            work,
            lambda r: (f"Saved {r.path.name} ({size_text(r.bytes)})", r.path),
        )

    def range_dialog(self, kind: str) -> RangeDialog | None:
        """The dialog of a GIF or clip export of the in–out range (or, without both, of
        the snippet at the playhead)."""
        model, job = self._preview.model(), self._job
        if model is None or job is None:
            return None
        start, end = self._marks.in_out()
        if start is None or end is None:
            snippet = model.snippet_at(self._preview.position())
            start, end = model.starts[snippet], model.snippet_end(snippet)
        suffix = ".gif" if kind == GIF else ".mp4"
        suggested = self._folder() / job.file_name(start, suffix, end=end)
        dialog = RangeDialog(kind, job, self._times, start, end, suggested, self._window)
        dialog.setObjectName("rangeDialog")
        return dialog

    def export_range(self, kind: str) -> RangeDialog | None:
        dialog = self.range_dialog(kind)
        if dialog is None:
            return None
        dialog.accepted.connect(lambda: self.start_range(dialog.request()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def start_range(self, request: RangeRequest) -> asyncio.Task[None]:
        """Export a GIF or a clip of a range in the background."""
        output, force = request.output, request.force
        self._remember(output)
        fresh = self._fresh_job()
        times = self._times
        span = f"{times.precise(request.start)}–{times.precise(request.end)}"
        if request.kind == GIF:

            async def gif(progress):
                return await export_gif(
                    await fresh(), request.start, request.end, output, width=request.width,
                    fps=request.fps, max_bytes=request.max_bytes, source=request.source,
                    force=force, on_progress=progress,
                )  # fmt: skip

            return self.runner.start(
                f"GIF {output.name}",
                gif,
                lambda r: (
                    f"Saved {r.path.name}: {span}, {size_text(r.bytes)}, {r.settings.describe()}",
                    r.path,
                ),
            )

        async def clip(progress):
            return await export_clip(
                await fresh(), request.start, request.end, output, copy=request.copy,
                source=request.source, force=force, on_progress=progress,
            )  # fmt: skip

        def said(r) -> tuple[str, Path]:
            actual = f"{times.precise(r.start)}–{times.precise(r.end)}"
            if r.copied:
                note = "cut at the keyframes around the range" if r.snapped else "on keyframes"
                return f"Saved {r.path.name}: {actual}, copied without re-encoding ({note})", r.path
            return f"Saved {r.path.name}: {actual}, H.264/AAC", r.path

        return self.runner.start(f"Clip {output.name}", clip, said)

    def open_dialog(self, kind: str = SHEET, job_dir: Path | None = None) -> asyncio.Task[Any]:
        """Open the export dialog of the shown job (or of the job in ``job_dir``), once its
        marks are saved and its folder read; the task's result is the dialog."""
        if job_dir is None and self._job is not None:
            job_dir = self._job.job_dir
        return self._spawn(self._open_dialog(kind, job_dir))

    async def _open_dialog(self, kind: str, job_dir: Path | None) -> ExportDialog | None:
        if job_dir is None:
            return None
        await self._marks.flush()
        try:
            job = await self._in_io(open_job, job_dir)
        except UsageError as exc:
            self._messages.show_message(f"Cannot export: {exc}", key="export")
            return None
        folder = self._folder() if self._job is not None else job_dir.parent
        dialog = ExportDialog(job, folder, self._spawn, self._preview_dir, kind, self._window)
        dialog.setObjectName("exportDialog")

        def accepted() -> None:
            title, work, outcome = dialog.work()
            self._remember(dialog.output())
            self.runner.start(title, work, outcome)

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # -- the file manager -----------------------------------------------------------------

    def reveal_still_file(self) -> None:
        still = self.handouts.still_at(self._preview.position())
        if still is None or self._job is None:
            self._status.showMessage(NO_STILL, 10_000)
            return
        self._reveal(self._job.job_dir / still.relpath)

    def reveal_gif_file(self) -> None:
        gif = self.handouts.gif_here()
        if gif is None or self._job is None:
            self._status.showMessage(NO_GIF, 10_000)
            return
        self._reveal(self._job.job_dir / gif.relpath)

    def reveal_job_folder(self) -> None:
        if self._job is not None:
            self._reveal(self._job.job_dir)

    # -- context menus --------------------------------------------------------------------

    def _popup(self, name: str, items: list[QAction | None], at: QPoint) -> QMenu | None:
        if self._job is None:
            return None
        menu = QMenu(self._window)
        menu.setAccessibleName(name)
        for item in items:
            if item is None:
                menu.addSeparator()
            else:
                menu.addAction(item)
        menu.popup(at)
        return menu

    def _exports(self) -> list[QAction | None]:
        a = self.actions
        return [a["snippet_gif"], a["range_gif"], a["range_clip"], a["export_more"]]

    def still_menu(self, at: QPoint, _pos: QPointF | None = None) -> QMenu | None:
        a = self.actions
        items = [
            a["copy_still"], a["copy_timecode"], None, a["save_still"], a["save_full_still"],
            *self._exports(), None, self._marks.actions["add_marker"], None, a["reveal_still"],
        ]  # fmt: skip
        return self._popup("Still", items, at)

    def gif_menu(self, at: QPoint, _pos: QPointF | None = None) -> QMenu | None:
        a = self.actions
        items = [
            self.copy_gif, a["copy_timecode"], None, *self._exports(), a["save_still"], None,
            self._marks.actions["add_marker"], None, self.reveal_gif,
        ]  # fmt: skip
        return self._popup("Snippet GIF", items, at)

    def timeline_menu(self, at: QPoint, pos: QPointF | None = None) -> QMenu | None:
        m, a = self._marks, self.actions
        items: list[QAction | None] = [
            m.actions["set_in"], m.actions["set_out"], m.actions["add_marker"],
            m.actions["clear_in_out"],
        ]  # fmt: skip
        index = m.mark_at(pos) if pos is not None else None
        if index is not None:  # right on a mark: it can be edited or deleted from here
            m.panel.list.setCurrentRow(index)
            name = mark_title(m.marks()[index], index + 1)
            edit = QAction(f"Edit “{name}”…", self._window)
            edit.triggered.connect(lambda _checked=False: m.edit(index))
            delete = QAction(f"Delete “{name}”", self._window)
            delete.triggered.connect(lambda _checked=False: m.delete(index))
            items += [edit, delete]
        items += [None, a["copy_timecode"], a["copy_still"], None, a["save_still"]]
        items += [*self._exports(), None, self.reveal_job]
        menu = self._popup("Timeline", items, at)
        if menu is not None and index is not None:
            for action in (edit, delete):
                action.setParent(menu)  # they go with the menu
        return menu
