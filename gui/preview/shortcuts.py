"""The preview's keys, declared once: each binding becomes a QAction (in the Playback,
Marks or Export menu, with its shortcut) and a row of the shortcut sheet.

A binding's scope says where its key works: ``WINDOW`` keys work wherever the keyboard focus
is in the main window (Space plays even while the queue has the focus, as in an editor);
``TIMELINE`` keys only while the timeline has the focus, because elsewhere the same keys move
through the queue's rows. A focused button, check box or list of choices keeps Space and
Enter for itself (:class:`FocusedControlKeys`).

To add a key: add a :class:`Binding` to its table (and a handler for its command where the
actions are built); a playback key also goes in a row of :data:`SHEET_ROWS` (the marks' and
exports' rows are their menu texts). ``tests/gui/test_keys.py`` checks that every key is
bound once and shown in the sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

WINDOW = "window"
TIMELINE = "timeline"


@dataclass(frozen=True)
class Binding:
    name: str  # the action's name (unique)
    command: str  # what it runs, with ``arg`` (see Timeline.run_command)
    arg: int
    key: str  # in QKeySequence's portable form
    text: str  # as the menu shows it
    scope: str = WINDOW
    repeat: bool = True  # runs again and again while the key is held


PLAYBACK: tuple[Binding, ...] = (
    Binding("play_pause", "toggle_play", 0, "Space", "Play", repeat=False),
    Binding("play_backward", "shuttle", -1, "J", "Play backward", repeat=False),
    Binding("stop", "stop", 0, "K", "Stop", repeat=False),
    Binding("play_forward", "shuttle", 1, "L", "Play forward", repeat=False),
    Binding("previous_still", "still", -1, ",", "Previous still"),
    Binding("next_still", "still", 1, ".", "Next still"),
    Binding("back_second", "seconds", -1, "Left", "Back 1 second", TIMELINE),
    Binding("forward_second", "seconds", 1, "Right", "Forward 1 second", TIMELINE),
    Binding("back_ten", "seconds", -10, "Shift+Left", "Back 10 seconds", TIMELINE),
    Binding("forward_ten", "seconds", 10, "Shift+Right", "Forward 10 seconds", TIMELINE),
    Binding("previous_boundary", "boundary", -1, "Up", "Previous snippet boundary", TIMELINE),
    Binding("next_boundary", "boundary", 1, "Down", "Next snippet boundary", TIMELINE),
    Binding("go_to_start", "home", 0, "Home", "Go to start", TIMELINE),
    Binding("go_to_end", "end", 0, "End", "Go to end", TIMELINE),
)
# Marks (gui.marks.commands runs them): in and out as editors set them, markers, and the
# ways between them.
MARKS: tuple[Binding, ...] = (
    Binding("set_in", "set_in", 0, "I", "Set in", repeat=False),
    Binding("set_out", "set_out", 0, "O", "Set out", repeat=False),
    Binding("add_marker", "add_marker", 0, "M", "Add marker", repeat=False),
    Binding("clear_in_out", "clear_in_out", 0, "Alt+X", "Clear in and out", repeat=False),
    Binding("go_to_in", "go_to", -1, "Shift+I", "Go to in"),
    Binding("go_to_out", "go_to", 1, "Shift+O", "Go to out"),
    Binding("previous_mark", "mark", -1, "Ctrl+Shift+M", "Previous mark"),
    Binding("next_mark", "mark", 1, "Shift+M", "Next mark"),
)
# Getting work out (gui.export.commands runs them): the clipboard, saving, exporting.
EXPORT: tuple[Binding, ...] = (
    Binding("copy_still", "copy_still", 0, "Ctrl+C", "Copy still", repeat=False),
    Binding("copy_timecode", "copy_time", 0, "Ctrl+Shift+C", "Copy timecode", repeat=False),
    Binding("save_still", "save_still", 0, "Ctrl+S", "Save still as…", repeat=False),
    Binding(
        "save_full_still", "save_still", 1, "Ctrl+Alt+S", "Save full-size still as…", repeat=False
    ),
    Binding("snippet_gif", "snippet_gif", 0, "Ctrl+G", "Export GIF of snippet…", repeat=False),
    Binding("range_gif", "range", 0, "Ctrl+Shift+G", "Export GIF of in–out range…", repeat=False),
    Binding("range_clip", "range", 1, "Ctrl+Shift+E", "Export clip of in–out range…", repeat=False),
    Binding("export_more", "dialog", 0, "Ctrl+E", "Contact sheet, sprites, markers…", repeat=False),
    Binding("reveal_still", "reveal", 0, "Ctrl+Shift+R", "Reveal in file manager", repeat=False),
)
BINDINGS = {b.name: b for b in (*PLAYBACK, *MARKS, *EXPORT)}

# The sheet's playback rows: bindings shown together, and what they do.
SHEET_ROWS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("play_pause",), "Play or pause the preview"),
    (
        ("play_backward", "stop", "play_forward"),
        "Play backward / stop / play forward; J or L again goes faster",
    ),
    (("previous_still", "next_still"), "One still back / forward"),
    (("back_second", "forward_second"), "One second back / forward (hold to keep going)"),
    (("back_ten", "forward_ten"), "10 seconds back / forward"),
    (("previous_boundary", "next_boundary"), "Previous / next snippet boundary"),
    (("go_to_start", "go_to_end"), "First / last still"),
)
TIMELINE_NOTE = "To the timeline: arrows, Home and End then move the playhead (or click it)"

_SYMBOLS = {"Left": "←", "Right": "→", "Up": "↑", "Down": "↓"}


def key_label(key: str) -> str:
    """A key as the sheet shows it: ``Shift+Left`` → ``Shift+←``."""
    text = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
    *modifiers, last = text.split("+") if text != "+" else [text]
    return "+".join([*modifiers, _SYMBOLS.get(last, last)])


def playback_rows() -> list[tuple[str, str]]:
    return [
        ("  ".join(key_label(BINDINGS[name].key) for name in names), text)
        for names, text in SHEET_ROWS
    ]


def action_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """Sheet rows of actions with a shortcut: their keys and their menu text."""
    rows = []
    for action in actions:
        if not action.shortcut().isEmpty():
            text = action.text().replace("&", "").rstrip("…")
            rows.append((key_label(action.shortcut().toString()), text))
    return rows


def build_playback_actions(
    window: QWidget, timeline: QWidget, run: Callable[[str, int], None]
) -> dict[str, QAction]:
    return build_binding_actions(PLAYBACK, window, timeline, run)


def build_binding_actions(
    bindings: Iterable[Binding],
    window: QWidget,
    timeline: QWidget,
    run: Callable[[str, int], None],
) -> dict[str, QAction]:
    """One QAction per binding, its shortcut working in the binding's scope; triggering it
    calls ``run(command, arg)``."""
    actions = {}
    for binding in bindings:
        action = QAction(binding.text, window)
        action.setObjectName(binding.name)
        action.setShortcut(QKeySequence(binding.key))
        action.setAutoRepeat(binding.repeat)
        if binding.scope == WINDOW:
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
        else:
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            timeline.addAction(action)
        action.triggered.connect(partial(_run, run, binding.command, binding.arg))
        actions[binding.name] = action
    return actions


def _run(run: Callable[[str, int], None], command: str, arg: int, _checked: bool = False) -> None:
    run(command, arg)


class FocusedControlKeys(QObject):
    """Lets a focused button, check box or list of choices have Space and Enter (pressing
    it), rather than a window shortcut on the same key taking them."""

    _KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in self._KEYS
            and isinstance(watched, QAbstractButton | QComboBox)
        ):
            event.accept()  # the control receives the key press instead of the shortcut
        return False


class ShortcutSheet(QDialog):
    """Every shortcut, by section: ``sections`` maps a title to (keys, description) rows.
    The sections stand in two columns, so that the sheet fits a small screen."""

    COLUMNS = 2

    def __init__(
        self, sections: dict[str, list[tuple[str, str]]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.sections = sections
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        columns = QHBoxLayout()
        columns.setSpacing(28)
        for part in _split(list(sections.items()), self.COLUMNS):
            grid = QGridLayout()
            grid.setHorizontalSpacing(18)
            grid.setVerticalSpacing(6)
            row = 0
            for section, items in part:
                row = _add_section(grid, row, section, items)
            grid.setColumnStretch(1, 1)
            grid.setRowStretch(row, 1)
            columns.addLayout(grid, 1)
        layout.addLayout(columns)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this sheet")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560 * min(self.COLUMNS, max(1, len(sections) - 2)))


Section = tuple[str, list[tuple[str, str]]]


def _split(sections: list[Section], count: int) -> list[list[Section]]:
    """``sections`` in order, in ``count`` columns of about as many rows each."""
    total = sum(len(items) + 2 for _, items in sections)
    parts: list[list[Section]] = [[]]
    rows = 0
    for section in sections:
        if parts[-1] and len(parts) < count and rows + len(section[1]) / 2 > total / count:
            parts.append([])
            rows = 0
        parts[-1].append(section)
        rows += len(section[1]) + 2
    return parts


def _add_section(grid: QGridLayout, row: int, section: str, items: list[tuple[str, str]]) -> int:
    title = QLabel(section)
    font = title.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    title.setFont(font)
    if row:
        grid.setRowMinimumHeight(row, 10)
        row += 1
    grid.addWidget(title, row, 0, 1, 2)
    row += 1
    for keys, description in items:
        key_label_widget = QLabel(keys)
        key_label_widget.setObjectName("shortcutKeys")
        key_label_widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(description)
        text.setWordWrap(True)
        key_label_widget.setAccessibleName(keys)
        key_label_widget.setAccessibleDescription(description)
        grid.addWidget(key_label_widget, row, 0)
        grid.addWidget(text, row, 1)
        row += 1
    return row
