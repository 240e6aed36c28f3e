"""The main window's actions, menus and toolbar, in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSizePolicy, QToolBar, QWidget

from .icons import make_icon


@dataclass
class WindowActions:
    add_videos: QAction
    add_folder: QAction
    add_from_s3: QAction
    open_job: QAction
    quit: QAction
    toggle_queue: QAction
    pause_selected: QAction
    retry_failed: QAction
    clear_finished: QAction
    remove_selected: QAction
    settings: QAction
    shortcuts: QAction
    open_logs: QAction
    about: QAction
    recent_menu: QMenu


def build_actions(window: QMainWindow, handlers: dict[str, Callable[[], None]]) -> WindowActions:
    color = window.palette().color(window.foregroundRole())

    def action(
        key: str,
        text: str,
        shortcut: str | QKeySequence.StandardKey | None = None,
        icon: str | None = None,
    ) -> QAction:
        item = QAction(text, window)
        if icon:
            item.setIcon(make_icon(icon, color))
        if shortcut is not None:
            item.setShortcut(QKeySequence(shortcut))
            item.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        item.triggered.connect(handlers[key])
        window.addAction(item)
        return item

    actions = WindowActions(
        add_videos=action("add_videos", "Add videos…", "Ctrl+O", "add"),
        add_folder=action("add_folder", "Add folder…", "Ctrl+Shift+O", "add-folder"),
        add_from_s3=action("add_from_s3", "Add from S3…", "Ctrl+Alt+O"),
        open_job=action("open_job", "Open job…", "Ctrl+J", "open-job"),
        quit=action("quit", "Quit", "Ctrl+Q"),
        toggle_queue=action("toggle_queue", "Pause queue", None, "pause"),
        pause_selected=action("pause_selected", "Pause or resume job", "Space"),
        retry_failed=action("retry_failed", "Retry failed jobs"),
        clear_finished=action("clear_finished", "Remove finished jobs"),
        remove_selected=action("remove_selected", "Remove job", "Delete"),
        settings=action("settings", "Settings…", "Ctrl+,", "settings"),
        shortcuts=action("shortcuts", "Keyboard shortcuts", "?", "keyboard"),
        open_logs=action("open_logs", "Open log folder"),
        about=action("about", "About FrameFan"),
        recent_menu=QMenu("Recent jobs", window),
    )
    actions.add_videos.setToolTip("Add video files to the queue (or drop them on the window)")
    actions.add_folder.setToolTip("Add every video in a folder and its subfolders")
    actions.add_from_s3.setToolTip(
        "Add videos that are already in S3: processed there on AWS, with no upload"
    )
    actions.open_job.setToolTip("Open an earlier job from its manifest.json")
    actions.toggle_queue.setToolTip("Start no new job until the queue is started again")

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    adding = (actions.add_videos, actions.add_folder, actions.add_from_s3)
    for item in (*adding, None, actions.open_job):
        file_menu.addAction(item) if item else file_menu.addSeparator()
    file_menu.addMenu(actions.recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(actions.settings)
    queue_menu = bar.addMenu("&Queue")
    for item in (
        actions.toggle_queue,
        None,
        actions.pause_selected,
        actions.remove_selected,
        None,
        actions.retry_failed,
        actions.clear_finished,
    ):
        queue_menu.addAction(item) if item else queue_menu.addSeparator()
    help_menu = bar.addMenu("&Help")
    for item in (actions.shortcuts, actions.open_logs, None, actions.about):
        help_menu.addAction(item) if item else help_menu.addSeparator()

    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for item in (
        actions.add_videos,
        actions.add_folder,
        None,
        actions.toggle_queue,
        None,
        actions.open_job,
        actions.settings,
    ):
        toolbar.addAction(item) if item else toolbar.addSeparator()
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addAction(actions.shortcuts)
    window.addToolBar(toolbar)
    return actions
