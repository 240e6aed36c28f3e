"""The main window: the queue on the left, the preview of the selected job on the right.

It wires the parts together and owns their lifetimes; the parts do the work: the scheduler
runs jobs, the queue model and view show them, the preview panel shows one job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
)

from core import __version__
from core.errors import FrameFanError
from core.input_safety import VIDEO_EXTENSIONS
from core.layout import MANIFEST_NAME
from core.manifest import DONE, Manifest
from core.preflight import DISK_SPACE, MIN_FREE_BYTES, OUTPUT_FOLDER, Problem

from .appdirs import AppDirs
from .backends import CONNECTION
from .background import NetworkPool
from .cloud.s3_browser import S3Browser, open_s3_browser
from .estimate_panel import EstimatePanel
from .icons import app_icon, make_icon
from .intake import Intake, new_entry, take_in
from .job_reader import OpenedJob, read_job
from .message_bar import INFO, MessageBar
from .platform.file_manager import FileManager
from .platform.notify import QueueNotifier
from .preview.image_cache import ImageCache
from .preview.panel import PreviewPanel
from .preview.shortcuts import ShortcutSheet
from .preview.timeline_model import TimelineModel
from .queue.delegate import QueueDelegate, queue_summary
from .queue.entry import FINISHED, PAUSED, QUEUED, QueueEntry
from .queue.keeper import QueueKeeper
from .queue.model import ENTRY_ROLE, QueueModel
from .queue.scheduler import JobScheduler
from .queue.view import QueueView, dropped_paths
from .settings_dialog import SettingsDialog
from .ui_state import UiState
from .user_settings import SettingsStore, UserSettings
from .window_actions import build_actions
from .window_layout import build_layout

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos ({});;All files (*)".format(
    " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS))
)


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
        self._tasks: set[asyncio.Task[Any]] = set()
        self._shown_id: str | None = None
        self._closing = self._closed = False
        self.last_intake: Intake | None = None

        self.cache = ImageCache(parent=self)
        self.model = QueueModel(self)
        self.scheduler = JobScheduler(
            self.model,
            lambda: self.settings,
            self._io,
            checks=self._net,
            min_free=min_free,
            parent=self,
        )
        self.delegate = QueueDelegate(self.cache, self.scheduler.can_pause, self)
        self.keeper = QueueKeeper(self.model, dirs.queue_file, self._io)
        self.queue_view = QueueView(self.model, self.delegate)
        self.preview = PreviewPanel(self.cache)
        self.message_bar = MessageBar()
        self.notifier = QueueNotifier(self)
        self.file_manager = FileManager(self)
        self.queue_status = QLabel()
        self.setWindowTitle("FrameFan")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.splitter = build_layout(
            self, self.message_bar, self.queue_view, self.preview, self.queue_status
        )
        self.commands = build_actions(self, self._handlers())
        self.commands.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.estimate = EstimatePanel(self.run_blocking)
        self.estimate.attach(self, self.commands.toggle_queue)
        self._connect()
        self._restore()

    # -- building -------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Any]:
        return {
            "add_videos": self.choose_videos,
            "add_folder": self.choose_folder,
            "add_from_s3": self.choose_from_s3,
            "open_job": self.choose_job,
            "quit": self.close,
            "toggle_queue": lambda: self.scheduler.set_held(not self.scheduler.held),
            "pause_selected": self._pause_selected,
            "retry_failed": self._retry_failed,
            "clear_finished": self._clear_finished,
            "remove_selected": lambda: self._on_selected("remove"),
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
        sched.snippetSide.connect(self._on_snippet_side)
        sched.jobFinished.connect(self._on_job_finished)
        sched.problemFound.connect(self.show_problem)
        sched.queueFinished.connect(self.notifier.queue_finished)
        self.file_manager.failed.connect(
            lambda text: self.message_bar.show_message(text[:1].upper() + text[1:])
        )
        self.model.structureChanged.connect(self._update_queue_status)
        self.model.dataChanged.connect(lambda *_: self._update_actions())
        self.delegate.actionTriggered.connect(self.run_row_action)
        self.queue_view.pathsDropped.connect(self.add_paths)
        self.queue_view.selectionModel().currentChanged.connect(self._on_current_changed)

    # -- background work ------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` on the event loop; failures are logged and shown, never raised."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("unexpected error", exc_info=exc)
            self.report_unexpected(exc)

    def report_unexpected(self, exc: BaseException | None) -> None:
        name = exc.__class__.__name__ if exc else "error"
        self.message_bar.show_message(
            f"Something went wrong ({name}). Details are in the log.",
            actions=[("Open log folder", self.open_log_folder)],
        )

    def busy(self) -> bool:
        return bool(self._tasks)

    async def _in_io(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self._io, func, *args)

    def run_blocking(self, func, *args) -> asyncio.Task[Any]:
        """Run a blocking call that may wait on the network in a worker thread."""

        async def call():
            return await asyncio.get_running_loop().run_in_executor(self._net, func, *args)

        return self.spawn(call())

    # -- adding jobs ----------------------------------------------------------------------

    def add_paths(self, paths: Iterable[Path]) -> asyncio.Task[Intake]:
        return self.spawn(self._add_paths(list(paths)))

    async def _add_paths(self, paths: list[Path]) -> Intake:
        queued = [e.input for e in self.model if e.input]
        intake = await self._in_io(take_in, paths, queued)
        entries = [new_entry(path, self.settings.backend) for path in intake.new]
        self.model.add(entries)
        self.last_intake = intake
        self.statusBar().showMessage(intake.summary(), 12000)
        if entries and not self.queue_view.currentIndex().isValid():
            self.select(entries[0].id)
        self.scheduler.pump()
        return intake

    def choose_videos(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add videos", str(Path.home()), VIDEO_FILTER)
        if names:
            self.add_paths(Path(n) for n in names)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of videos", str(Path.home()))
        if folder:
            self.add_paths([Path(folder)])

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

    # -- opening earlier jobs -------------------------------------------------------------

    def choose_job(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open job", str(self.settings.output_folder), "FrameFan job (manifest.json)"
        )
        if name:
            self.open_job(Path(name))

    def open_job(self, manifest_path: Path) -> asyncio.Task[QueueEntry | None]:
        return self.spawn(self._open_job(manifest_path))

    async def _open_job(self, path: Path) -> QueueEntry | None:
        try:
            job: OpenedJob = await self._in_io(read_job, path)
        except FrameFanError as exc:
            self.message_bar.show_message(f"Cannot open the job: {exc}")
            return None
        job_dir = job.job_dir
        entry = next((e for e in self.model if e.job_dir == job_dir), None)
        if entry is None:
            entry = job.entry()
            self.model.add([entry])
            if job.moved and entry.status != DONE:
                self.statusBar().showMessage(
                    f"{job.moved} is no longer there: this job can be viewed, not run again.",
                    12000,
                )
        self.ui_state.add_recent_job(job_dir / MANIFEST_NAME)
        self.select(entry.id)
        return entry

    def _fill_recent_menu(self) -> None:
        menu = self.commands.recent_menu
        menu.clear()
        recent = self.ui_state.recent_jobs()
        for path in recent:
            menu.addAction(path.parent.name, lambda p=path: self.open_job(p))
        if not recent:
            menu.addAction("No recent jobs").setEnabled(False)

    # -- the selected job and the preview -------------------------------------------------

    def select(self, entry_id: str) -> None:
        self.queue_view.setCurrentIndex(self.model.index_of(entry_id))

    def selected(self) -> QueueEntry | None:
        index = self.queue_view.currentIndex()
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(ENTRY_ROLE) if current.isValid() else None
        self._update_actions()
        if entry is None:
            self._shown_id = None
            self.preview.show_message("Select a job in the queue, or drop videos on the window.")
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
                manifest = await self._in_io(Manifest.load, path)
        if self._shown_id != entry.id:
            return  # another job was selected meanwhile
        model = TimelineModel.from_manifest(manifest, path.parent) if manifest and path else None
        if model is not None:
            self.preview.set_job(model)
        elif entry.error:
            self.preview.show_message(entry.error, entry.name)
        elif entry.status == QUEUED:
            self.preview.show_message("Waiting to start.", entry.name)
        else:
            self.preview.show_message("Reading the video…", entry.name)

    def _on_job_started(self, entry_id: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is None:
            return
        if self.selected() is None:
            self.select(entry_id)
        elif entry_id == self._shown_id:
            self.show_entry(entry)

    def _on_snippet(self, entry_id: str, index: int, status: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is None:
            return
        if index == 0 and status == DONE:
            self.cache.forget_unreadable()  # the row's thumbnail exists now
        if entry_id == self._shown_id and self.preview.job_dir() == entry.job_dir:
            self.preview.mark_snippet(index, status)

    def _on_snippet_side(self, entry_id: str, index: int, side: str) -> None:
        entry = self.model.entry(entry_id)
        shown = entry is not None and entry_id == self._shown_id
        if shown and entry is not None and self.preview.job_dir() == entry.job_dir:
            self.preview.mark_side(index, side)

    def _on_job_finished(self, entry_id: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is not None and entry.manifest_path is not None:
            self.ui_state.add_recent_job(entry.manifest_path)
        self._update_actions()

    # -- row actions ----------------------------------------------------------------------

    def run_row_action(self, entry_id: str, action: str) -> None:
        entry = self.model.entry(entry_id)
        if entry is None:
            return
        if action == "reveal":
            if entry.job_dir is not None:
                self.file_manager.reveal(entry.job_dir)
            return
        if action == "remove" and entry_id == self._shown_id:
            self._shown_id = None
        handler = {
            "pause": self.scheduler.pause,
            "resume": self.scheduler.resume,
            "cancel": self.scheduler.cancel,
            "retry": self.scheduler.retry,
            "remove": self.scheduler.remove,
        }[action]
        handler(entry_id)
        self._update_actions()

    def _on_selected(self, action: str) -> None:
        entry = self.selected()
        if entry is not None:
            self.run_row_action(entry.id, action)

    def _pause_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self._on_selected("resume" if entry.status == PAUSED else "pause")

    def _retry_failed(self) -> None:
        for entry in self.model:
            if entry.finished and entry.status != DONE:
                self.scheduler.retry(entry.id)

    def _clear_finished(self) -> None:
        for entry in self.model:
            if entry.status in FINISHED:
                self.scheduler.remove(entry.id)

    # -- queue state ----------------------------------------------------------------------

    def _on_held(self, held: bool) -> None:
        self._update_actions()
        self._update_queue_status()

    def _update_actions(self) -> None:
        held = self.scheduler.held
        toggle = self.commands.toggle_queue
        toggle.setText("Start queue" if held else "Pause queue")
        toggle.setIcon(make_icon("play" if held else "pause", self.palette().windowText().color()))
        self._update_queue_status()

    def _update_queue_status(self) -> None:
        self.queue_status.setText(queue_summary(self.model, self.scheduler.held))
        if not self._closing:
            self.estimate.update_for(list(self.model), self.selected(), self.settings)

    def show_problem(self, problem: Problem) -> None:
        fix = {
            OUTPUT_FOLDER: ("Change output folder…", self.open_settings),
            DISK_SPACE: ("Change output folder…", self.open_settings),
            CONNECTION: ("Test connection…", lambda: self.open_settings(test_connection=True)),
        }.get(problem.kind, ("Settings…", self.open_settings))
        message = problem.message[0].upper() + problem.message[1:] + ". The queue is paused."
        self.message_bar.show_message(message, actions=[fix, ("Try again", self._try_again)])

    def _try_again(self) -> None:
        self.message_bar.hide()
        self.scheduler.set_held(False)

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
        self.settings = settings
        self.settings_store.save(settings)
        self.statusBar().showMessage(
            "Settings saved; they apply to jobs that start from now on.", 8000
        )

    # -- help -----------------------------------------------------------------------------

    def show_shortcuts(self) -> ShortcutSheet:
        sheet = ShortcutSheet(self)
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

    # -- persistence ----------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = self.ui_state.bytes_value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.ui_state.bytes_value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        entries = self.keeper.restore()
        waiting = sum(1 for e in entries if e.status == QUEUED)
        if waiting:
            self.scheduler.set_held(True)
            jobs, verb = ("jobs", "are") if waiting > 1 else ("job", "is")
            self.message_bar.show_message(
                f"{waiting} unfinished {jobs} from last time {verb} waiting; "
                "finished snippets are kept.",
                INFO,
                [("Start queue", self._try_again)],
            )
        self._update_actions()
        if entries:
            self.spawn(self.keeper.refresh(entries))

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
        await self.scheduler.shutdown()
        current = asyncio.current_task()
        others = [t for t in self._tasks if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await asyncio.wrap_future(self.keeper.save())
        self._io.shutdown(wait=True)
        await self._net.aclose()  # a check waiting on the network ends within its timeouts
        self.cache.shutdown()
        self.preview.shutdown()
        self.notifier.close()
        self._closed = True
        self.close()
        self.closed.emit()
