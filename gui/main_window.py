"""The main window: the queue on the left, the preview of the selected job on the right.

It wires the parts together and owns their lifetimes; the parts do the work: the scheduler
runs jobs, the queue model and view show them, the row commands act on one job, the preview
panel shows one job and plays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QWidget

from core import __version__
from core.errors import FrameFanError
from core.export import ExportJob
from core.manifest import DONE, Manifest
from core.preflight import DISK_SPACE, MIN_FREE_BYTES, OUTPUT_FOLDER, Problem

from .appdirs import AppDirs
from .backends import CONNECTION
from .background import NetworkPool, TaskSet
from .cloud.s3_browser import S3Browser, open_s3_browser
from .estimate_panel import EstimatePanel
from .icons import TintedIcons, app_icon
from .intake import Intake
from .intake_flow import IntakeFlow
from .job_tools import JobTools
from .message_bar import ERROR, INFO, MessageBar
from .platform.file_manager import FileManager
from .platform.notify import QueueNotifier
from .platform.taskbar import TaskbarProgress
from .preview.image_cache import ImageCache
from .preview.panel import SELECT_A_JOB, PreviewPanel
from .preview.shortcuts import (
    FocusedControlKeys,
    ShortcutSheet,
    build_playback_actions,
)
from .preview.timeline_model import TimelineModel
from .queue.actions import row_actions
from .queue.commands import RowCommands
from .queue.delegate import QueueDelegate
from .queue.entry import FINISHED, QUEUED, QueueEntry
from .queue.facts import FactsKeeper
from .queue.keeper import QueueKeeper
from .queue.model import ENTRY_ROLE, QueueModel
from .queue.poster import PosterKeeper
from .queue.scheduler import JobScheduler
from .queue.settings_drift import describe_change
from .queue.texts import queue_eta, queue_progress, queue_summary, timeline_hint, videos_left
from .queue.view import QueueView, dropped_paths
from .settings_dialog import SettingsDialog
from .ui_state import UiState
from .user_settings import SettingsStore, UserSettings
from .window_actions import MoreItems, build_actions, shortcut_sections
from .window_layout import build_layout, favor_preview

log = logging.getLogger(__name__)

TRANSPORT = (
    ("previous_still", "step-back"),
    ("play_pause", "play"),
    ("next_still", "step-forward"),
)
SELECTED_KEY = "selected_job"


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, dirs: AppDirs, *, min_free: int = MIN_FREE_BYTES) -> None:
        super().__init__()
        self.dirs = dirs
        self.settings_store = SettingsStore(dirs.settings_file)
        self.settings: UserSettings = self.settings_store.load()
        self.ui_state = UiState(dirs.ui_state_file)
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="framefan-io")
        # Blocking calls that may wait on the network (preflight checks, connection tests),
        # kept apart so that they never hold up reading manifests or saving the queue.
        self._net = NetworkPool(2, "framefan-net")
        self._tasks = TaskSet(self.report_unexpected)
        self._shown_id: str | None = None
        self._closing = self._closed = False
        self.last_intake: Intake | None = None
        self.icons = TintedIcons(self.palette().color(self.foregroundRole()))
        self.intake = IntakeFlow(self)

        self.cache = ImageCache(parent=self)
        self.model = QueueModel(self)
        self.model.set_current_settings(self.settings.processing)
        self.scheduler = JobScheduler(
            self.model,
            lambda: self.settings,
            self._io,
            checks=self._net,
            min_free=min_free,
            parent=self,
        )
        self.delegate = QueueDelegate(
            self.cache, self.scheduler.can_pause, self.model.is_stale, self
        )
        self.keeper = QueueKeeper(self.model, dirs.queue_file, self._io)
        self.posters = PosterKeeper(self._io, lambda e: self.model.touch(e.id), self.spawn)
        self.facts = FactsKeeper(self.model, self.spawn, lambda: self.settings.ffmpeg or None)
        self.queue_view = QueueView(self.model, self.delegate)
        self.preview = PreviewPanel(self.cache)
        self.message_bar = MessageBar()
        self.notifier = QueueNotifier(self)
        self.taskbar = TaskbarProgress(self)
        self.file_manager = FileManager(self)
        self.queue_status = QLabel()
        self.setWindowTitle("FrameFan")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.splitter = build_layout(
            self, self.message_bar, self.queue_view, self.preview, self.queue_status
        )
        timeline = self.preview.timeline
        self.playback = build_playback_actions(self, timeline, timeline.run_command)
        for name, icon in TRANSPORT:
            self.icons.set(self.playback[name], icon)
        self.transport = self.preview.add_transport([self.playback[n] for n, _ in TRANSPORT])
        self.tools = JobTools(self)
        self.jobs = RowCommands(
            self,
            self.model,
            self.scheduler,
            self.icons,
            self.selected,
            lambda: self.settings.output_folder,
            lambda: self.settings.backend,
            self.file_manager.reveal,
            export=lambda job_dir: self.tools.exports.open_dialog(job_dir=job_dir),
            shown_job_actions=self.tools.exports.row_menu_actions,
        )
        tools = self.tools
        more = MoreItems(tools.edit_items(), tools.playback_items(), tools.menus(self))
        self.commands = build_actions(
            self, self._handlers(), self.icons, self.jobs.actions, self.playback, more
        )
        self.commands.recent_menu.aboutToShow.connect(self.intake.fill_recent_menu)
        self.estimate = EstimatePanel(self.run_blocking)
        self.estimate.attach(self, self.commands.toggle_queue)
        self._keys = FocusedControlKeys(self)
        QApplication.instance().installEventFilter(self._keys)
        self._connect()
        self._set_tab_order()
        self.queue_view.setFocus()
        self._restore()

    # -- building -------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Any]:
        return {
            "add_videos": self.intake.choose_videos,
            "add_folder": self.intake.choose_folder,
            "add_from_s3": self.choose_from_s3,
            "open_job": self.intake.choose_job,
            "quit": self.close,
            "toggle_queue": self.toggle_queue,
            "retry_failed": self._retry_failed,
            "clear_finished": self._clear_finished,
            "settings": self.open_settings,
            "shortcuts": self.show_shortcuts,
            "open_logs": self.open_log_folder,
            "about": self._about,
        }

    def _connect(self) -> None:
        sched = self.scheduler
        sched.heldChanged.connect(self._on_held)
        sched.jobStarted.connect(self._on_job_started)
        sched.snippetChanged.connect(self._on_snippet)
        sched.overviewAdded.connect(self._on_overview)
        sched.snippetSide.connect(self._on_snippet_side)
        sched.jobFinished.connect(self._on_job_finished)
        sched.jobWaiting.connect(self._on_job_started)  # the preview says why it waits
        sched.problemFound.connect(self.show_problem)
        sched.queueFinished.connect(self.notifier.queue_finished)
        self.file_manager.failed.connect(
            lambda text: self.message_bar.show_message(text[:1].upper() + text[1:])
        )
        self.model.structureChanged.connect(self._update_queue_status)
        self.model.structureChanged.connect(self.facts.update)
        self.model.dataChanged.connect(lambda *_: self._update_actions())
        self.delegate.actionTriggered.connect(self.run_row_action)
        self.jobs.made.connect(self.select)
        self.queue_view.pathsDropped.connect(self.add_paths)
        self.queue_view.menuRequested.connect(lambda at: self.jobs.context_menu(self, at))
        self.queue_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.preview.timeline.playingChanged.connect(self._on_playing)
        self.preview.lookingAt.connect(self._on_looking_at)

    def _set_tab_order(self) -> None:
        """Toolbar, queue, the preview's buttons, then the timeline (a message's buttons
        come after, as they appear)."""
        toolbar = self.commands.toolbar
        buttons = [toolbar.widgetForAction(a) for a in toolbar.actions() if not a.isSeparator()]
        chain = [b for b in buttons if b is not None and b.focusPolicy() & Qt.FocusPolicy.TabFocus]
        chain += [self.message_bar.close_button, self.queue_view, *self.transport]
        chain.append(self.preview.timeline)
        panel = self.tools.marks.panel
        chain += [panel.list, panel.add_button, panel.edit_button, panel.delete_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- background work ------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` on the event loop; failures are logged and shown, never raised."""
        return self._tasks.spawn(coro)

    def report_unexpected(self, exc: BaseException | None) -> None:
        name = exc.__class__.__name__ if exc else "error"
        self.message_bar.show_message(
            f"Something went wrong ({name}). Details are in the log.",
            actions=[("Open log folder", self.open_log_folder)],
            key="unexpected",
            priority=3,
        )

    def busy(self) -> bool:
        return self._tasks.busy() or not self.preview.idle()

    async def in_io(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self._io, func, *args)

    def run_blocking(self, func, *args) -> asyncio.Task[Any]:
        """Run a blocking call that may wait on the network in a worker thread."""

        async def call():
            return await asyncio.get_running_loop().run_in_executor(self._net, func, *args)

        return self.spawn(call())

    # -- adding jobs and opening earlier ones ---------------------------------------------

    def add_paths(self, paths: Iterable[Path]) -> asyncio.Task[Intake]:
        """Add videos and folders of videos; earlier jobs (manifests) are opened."""
        return self.intake.add_paths(paths)

    def open_job(self, manifest_path: Path) -> asyncio.Task[QueueEntry | None]:
        return self.intake.open_job(manifest_path)

    def receive(self, paths: list[Path], jobs: list[Path]) -> None:
        """What a launch of the app was given: videos and folders to add, earlier jobs to
        open (a later launch hands them to this window, which comes to the front)."""
        if paths:
            self.add_paths(paths)
        for manifest in jobs:
            self.open_job(manifest)
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def choose_from_s3(self) -> S3Browser | None:
        """Browse S3 for videos to process there (needs the AWS backend's stack)."""
        return open_s3_browser(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # -- the selected job and the preview -------------------------------------------------

    def select(self, entry_id: str) -> None:
        self.queue_view.setCurrentIndex(self.model.index_of(entry_id))

    def selected(self) -> QueueEntry | None:
        index = self.queue_view.currentIndex()
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(ENTRY_ROLE) if current.isValid() else None
        self._update_actions()
        if not self._closing:
            self.ui_state.set_text_value(SELECTED_KEY, entry.id if entry else None)
        if entry is None:
            self._shown_id = None
            self.tools.show(None, None)
            self.preview.show_message(SELECT_A_JOB)
            self._update_playback()
            return
        self.show_entry(entry)

    def show_entry(self, entry: QueueEntry) -> asyncio.Task[None]:
        self._shown_id = entry.id
        return self.spawn(self._show_entry(entry))

    async def _show_entry(self, entry: QueueEntry) -> None:
        path = entry.manifest_path
        manifest = None
        if path is not None:
            with contextlib.suppress(FrameFanError):
                manifest = await self.in_io(Manifest.load, path)
        if self._shown_id != entry.id:
            return  # another job was selected meanwhile
        model = TimelineModel.from_manifest(manifest, path.parent) if manifest and path else None
        job = ExportJob(model.job_dir, manifest) if model is not None and manifest else None
        marks = await self.tools.load(job)
        if self._shown_id != entry.id:
            return
        self.tools.show(job, marks)
        if model is not None:
            self.preview.set_job(model)
        else:
            can_retry = "retry" in row_actions(entry, False)
            hint = timeline_hint(entry, can_retry)
            if entry.error:
                self.preview.show_message(entry.error, entry.name, hint)
            elif entry.status == QUEUED:
                self.preview.show_message("Waiting to start.", entry.name, hint)
            else:
                self.preview.show_message("Reading the video…", entry.name, hint)
        self._update_playback()

    def _on_job_started(self, entry_id: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is None:
            return
        if entry.job_dir is not None:
            self.cache.forget_under(entry.job_dir)  # a job may start over, files and all
            self.preview.forget_pictures(entry.job_dir)
            self.posters.forget(entry)
        if self.selected() is None:
            self.select(entry_id)
        elif entry_id == self._shown_id:
            self.show_entry(entry)

    def _on_snippet(self, entry_id: str, index: int, status: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is None:
            return
        if status == DONE:
            self.posters.update(entry)
        if entry_id == self._shown_id and self.preview.job_dir() == entry.job_dir:
            self.preview.mark_snippet(index, status)

    def _on_overview(self, entry_id: str, pictures: tuple) -> None:
        entry = self.model.entry(entry_id)
        if entry is None or entry.job_dir is None:
            return
        self.posters.update(entry)
        if entry_id == self._shown_id and self.preview.job_dir() == entry.job_dir:
            self.preview.add_overview([(p.t, entry.job_dir / p.path) for p in pictures])

    def _on_looking_at(self, t: float) -> None:
        """The user rests on a part of the shown job not rendered yet: render it next."""
        if self._shown_id is not None:
            self.scheduler.look_at(self._shown_id, t)

    def _on_snippet_side(self, entry_id: str, index: int, side: str) -> None:
        entry = self.model.entry(entry_id)
        shown = entry is not None and entry_id == self._shown_id
        if shown and entry is not None and self.preview.job_dir() == entry.job_dir:
            self.preview.mark_side(index, side)

    def _on_job_finished(self, entry_id: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is not None and entry.manifest_path is not None:
            self.ui_state.add_recent_job(entry.manifest_path)
            self.posters.update(entry)
        if entry is not None and entry_id == self._shown_id:
            self.show_entry(entry)  # a failure now has its message and advice to show
        self._update_actions()

    def _on_playing(self, speed: int) -> None:
        action = self.playback["play_pause"]
        action.setText("Pause" if speed else "Play")
        self.icons.set(action, "pause" if speed else "play")

    def _update_playback(self) -> None:
        has_job = self.preview.model() is not None
        for action in self.playback.values():
            action.setEnabled(has_job)

    # -- row actions ----------------------------------------------------------------------

    def run_row_action(self, entry_id: str, action: str) -> None:
        if action == "remove" and entry_id == self._shown_id:
            self._shown_id = None
        self.jobs.run(entry_id, action)
        self._update_actions()

    def _retry_failed(self) -> None:
        for entry in self.model:
            if entry.finished and entry.status != DONE and not entry.rejected:
                self.scheduler.retry(entry.id)

    def _clear_finished(self) -> None:
        for entry in self.model:
            if entry.status in FINISHED:
                self.scheduler.remove(entry.id)

    # -- queue state ----------------------------------------------------------------------

    def toggle_queue(self) -> None:
        """Pause the queue (running jobs too), or start it again."""
        if self.scheduler.held:
            self._start_queue()
        else:
            self.scheduler.pause_queue()

    def _on_held(self, held: bool) -> None:
        self._update_actions()
        self._update_queue_status()

    def _update_actions(self) -> None:
        held = self.scheduler.held
        toggle = self.commands.toggle_queue
        toggle.setText("Start queue" if held else "Pause queue")
        self.icons.set(toggle, "play" if held else "pause")
        self.jobs.update()
        self._update_queue_status()

    def _update_queue_status(self) -> None:
        held = self.scheduler.held
        parts = [queue_summary(self.model, held), queue_eta(self.model, self.scheduler.rates, held)]
        self.queue_status.setText("  ·  ".join(p for p in parts if p))
        progress = queue_progress(self.model, self.scheduler.batch)
        self.taskbar.show(progress, len(videos_left(self.model)))
        if not self._closing:
            self.estimate.update_for(list(self.model), self.selected(), self.settings)

    def show_problem(self, problem: Problem) -> None:
        fix = {
            OUTPUT_FOLDER: ("Change output folder…", self.open_settings),
            DISK_SPACE: ("Change output folder…", self.open_settings),
            CONNECTION: ("Test connection…", lambda: self.open_settings(test_connection=True)),
        }.get(problem.kind, ("Settings…", self.open_settings))
        message = problem.message[0].upper() + problem.message[1:] + ". The queue is paused."
        self.message_bar.show_message(
            message, ERROR, [fix, ("Try again", self._start_queue)], key="problem"
        )

    def _start_queue(self) -> None:
        for key in ("problem", "restored"):
            self.message_bar.dismiss(key)
        self.scheduler.start_queue()

    # -- settings -------------------------------------------------------------------------

    def open_settings(self, *, test_connection: bool = False) -> SettingsDialog:
        """Open the settings dialog (and with ``test_connection``, start the chosen
        backend's connection test in it)."""
        dialog = SettingsDialog(self.settings, self, run_blocking=self.run_blocking)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.values()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        tester = dialog.testers.get(dialog.chosen_backend().key)
        if test_connection and tester is not None:
            tester.start()
        return dialog

    def apply_settings(self, settings: UserSettings) -> None:
        """Use ``settings`` from now on, and say what that does to the jobs of the queue."""
        old, self.settings = self.settings, settings
        self.settings_store.save(settings)
        self.model.set_current_settings(settings.processing)
        self.tools.set_time_display(settings.time_display)
        self.statusBar().showMessage(describe_change(old, settings, self.model), 30000)
        self._update_actions()

    # -- help -----------------------------------------------------------------------------

    def show_shortcuts(self) -> ShortcutSheet:
        sections = shortcut_sections(
            self.commands, self.jobs.actions, self.tools.shortcut_sections()
        )
        sheet = ShortcutSheet(sections, self)
        sheet.finished.connect(sheet.deleteLater)
        sheet.open()
        return sheet

    def open_log_folder(self) -> None:
        self.dirs.logs.mkdir(parents=True, exist_ok=True)
        self.file_manager.open_folder(self.dirs.logs)

    def _about(self) -> None:
        text = (
            f"<b>FrameFan {__version__}</b><p>Snippet GIFs and per-second stills for video "
            f"editors.</p><p>Logs: {self.dirs.logs}</p>"
        )
        QMessageBox.about(self, "About FrameFan", text)

    # -- events ---------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.StatusTip and not event.tip():
            return True  # passing over a menu item must not wipe the status bar's message
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        favor_preview(self.splitter)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # e.g. the system went light to dark
            self.icons.retint(self.palette().color(self.foregroundRole()))
        super().changeEvent(event)

    # -- persistence ----------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = self.ui_state.bytes_value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.ui_state.bytes_value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        last_selected = self.ui_state.text_value(SELECTED_KEY)
        entries = self.keeper.restore()
        waiting = sum(1 for e in entries if e.status == QUEUED)
        if waiting:
            self.scheduler.set_held(True)
            jobs, verb = ("jobs", "are") if waiting > 1 else ("job", "is")
            self.message_bar.show_message(
                f"{waiting} unfinished {jobs} from last time {verb} waiting; "
                "finished snippets are kept.",
                INFO,
                [("Start queue", self._start_queue)],
                key="restored",
            )
        self._update_actions()
        if entries:
            self.spawn(self._refresh(entries))
        if last_selected and self.model.entry(last_selected) is not None:
            self.select(last_selected)

    async def _refresh(self, entries: list[QueueEntry]) -> None:
        await self.keeper.refresh(entries)
        for entry in entries:
            self.posters.update(entry)
        shown = self.model.entry(self._shown_id) if self._shown_id else None
        if shown is not None and self.preview.model() is None:
            self.show_entry(shown)  # its state is known now

    # -- closing --------------------------------------------------------------------------

    def is_closed(self) -> bool:
        return self._closed

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        event.ignore()  # running jobs first stop their ffmpeg processes, then the window closes
        if not self._closing:
            self._closing = True
            self.ui_state.set_bytes_value("geometry", self.saveGeometry())
            self.ui_state.set_bytes_value("splitter", self.splitter.saveState())
            self.ui_state.sync()
            self.spawn(self._shut_down())

    async def _shut_down(self) -> None:
        await self.tools.shut_down()
        await self.scheduler.shutdown()
        await self._tasks.cancel_others()
        await asyncio.wrap_future(self.keeper.save())
        self._io.shutdown(wait=True)
        await self._net.aclose()  # a check waiting on the network ends within its timeouts
        self.cache.shutdown()
        self.preview.shutdown()
        self.notifier.close()
        self.taskbar.clear()
        QApplication.instance().removeEventFilter(self._keys)
        self._closed = True
        self.close()
        self.closed.emit()
