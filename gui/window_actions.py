"""The main window's actions, menus and toolbar, in one place. The menus hold every
command, so each is reachable from the keyboard (Alt, F10) and by screen readers; the
toolbar's buttons can be reached with Tab as well."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSizePolicy, QToolBar, QWidget

from .icons import TintedIcons
from .preview.shortcuts import TIMELINE_NOTE, action_rows, key_label, playback_rows


@dataclass
class WindowActions:
    add_videos: QAction
    add_folder: QAction
    add_from_s3: QAction
    open_job: QAction
    quit: QAction
    toggle_queue: QAction
    retry_failed: QAction
    clear_finished: QAction
    settings: QAction
    shortcuts: QAction
    open_logs: QAction
    about: QAction
    recent_menu: QMenu
    toolbar: QToolBar

    def window_keys(self) -> list[QAction]:
        """The actions with a shortcut that are not about one job or the preview."""
        return [
            self.add_videos,
            self.add_folder,
            self.add_from_s3,
            self.open_job,
            self.settings,
            self.quit,
        ]


@dataclass
class MoreItems:
    """Items of the menus that other parts of the window make (marks, exports)."""

    edit: list[QAction | None] = field(default_factory=list)  # at the top of Edit
    playback: list[QAction | None] = field(default_factory=list)  # at the end of Playback
    menus: list[QMenu] = field(default_factory=list)  # before Help


def build_actions(
    window: QMainWindow,
    handlers: dict[str, Callable[[], None]],
    icons: TintedIcons,
    job_actions: dict[str, QAction],
    playback: dict[str, QAction],
    more: MoreItems | None = None,
) -> WindowActions:
    """Make the window's own actions (``handlers`` by name), and lay them out with the
    selected job's (``job_actions``), the preview's (``playback``) and ``more`` in menus and a
    toolbar."""
    more = more or MoreItems()

    def action(
        key: str,
        text: str,
        shortcut: str | QKeySequence.StandardKey | None = None,
        icon: str | None = None,
    ) -> QAction:
        item = QAction(text, window)
        item.setObjectName(key)
        if icon:
            icons.set(item, icon)
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
        retry_failed=action("retry_failed", "Retry failed jobs"),
        clear_finished=action("clear_finished", "Remove finished jobs"),
        settings=action("settings", "Settings…", "Ctrl+,", "settings"),
        shortcuts=action("shortcuts", "Keyboard shortcuts", "?", "keyboard"),
        open_logs=action("open_logs", "Open log folder"),
        about=action("about", "About FrameFan"),
        recent_menu=QMenu("Recent jobs", window),
        toolbar=QToolBar("Main", window),
    )
    actions.add_videos.setToolTip("Add video files to the queue (or drop them on the window)")
    actions.add_folder.setToolTip("Add every video in a folder and its subfolders")
    actions.add_from_s3.setToolTip(
        "Add videos that are already in S3: processed there on AWS, with no upload"
    )
    actions.open_job.setToolTip("Open an earlier job from its manifest.json")
    actions.toggle_queue.setToolTip(
        "Pause the running jobs and start no new one, until the queue is started again"
    )

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    _fill(
        file_menu,
        [actions.add_videos, actions.add_folder, actions.add_from_s3, None, actions.open_job],
    )
    file_menu.addMenu(actions.recent_menu)
    _fill(file_menu, [None, actions.quit])
    _fill(
        bar.addMenu("&Edit"),
        [*more.edit, None, actions.settings] if more.edit else [actions.settings],
    )
    job = job_actions
    _fill(
        bar.addMenu("&Queue"),
        [
            actions.toggle_queue,
            None,
            job["pause"],
            job["cancel"],
            job["retry"],
            job["rerender"],
            job["rerender_new"],
            job["export"],
            job["reveal"],
            job["remove"],
            None,
            actions.retry_failed,
            actions.clear_finished,
        ],
    )
    play = playback
    _fill(
        bar.addMenu("&Playback"),
        [
            play["play_pause"],
            play["play_backward"],
            play["stop"],
            play["play_forward"],
            None,
            play["previous_still"],
            play["next_still"],
            play["back_second"],
            play["forward_second"],
            play["back_ten"],
            play["forward_ten"],
            play["previous_boundary"],
            play["next_boundary"],
            None,
            play["go_to_start"],
            play["go_to_end"],
            *([None, *more.playback] if more.playback else []),
        ],
    )
    for menu in more.menus:
        bar.addMenu(menu)
    _fill(bar.addMenu("&Help"), [actions.shortcuts, actions.open_logs, None, actions.about])

    toolbar = actions.toolbar
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    items = [
        actions.add_videos,
        actions.add_folder,
        None,
        actions.toggle_queue,
        None,
        actions.open_job,
        actions.settings,
    ]
    for item in items:
        toolbar.addAction(item) if item else toolbar.addSeparator()
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addAction(actions.shortcuts)
    for item in [*items, actions.shortcuts]:
        if item is not None:
            # Toolbar buttons take no focus by default; these can be reached with Tab.
            button = toolbar.widgetForAction(item)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setAccessibleDescription(item.toolTip() or item.text())
    window.addToolBar(toolbar)
    return actions


def _fill(menu: QMenu, items: list[QAction | None]) -> None:
    for item in items:
        menu.addAction(item) if item else menu.addSeparator()


def shortcut_sections(
    actions: WindowActions,
    job_actions: dict[str, QAction],
    more: dict[str, list[tuple[str, str]]] | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """The shortcut sheet's rows: the preview's keys, ``more`` (marks, exports), then the
    queue's and the window's (each from its action, so the sheet cannot disagree with the
    menus)."""
    return {
        "Playback": [
            *playback_rows(),
            ("Tab", TIMELINE_NOTE),
            ("Click, drag", "Jump to a time; drag to scrub (playback goes on from there)"),
            ("Hover", "Thumbnail of the time under the pointer"),
        ],
        **(more or {}),
        "Queue": [
            (_keys(job_actions["pause"]), "Pause or resume the selected job"),
            (
                _keys(job_actions["remove"]),
                "Remove the selected job from the queue (its files stay)",
            ),
            ("Menu key", "Everything that can be done with the selected job"),
            ("Drop", "Drop videos, folders or earlier jobs anywhere on the window"),
            ("Drag a row", "Change the order of the queue"),
        ],
        "Window": [*action_rows(actions.window_keys()), (key_label("?"), "This sheet")],
    }


def _keys(action: QAction) -> str:
    return key_label(action.shortcut().toString())
