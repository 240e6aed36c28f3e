"""Keyboard shortcuts: the timeline's key map and the sheet that lists every shortcut."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

_NONE = Qt.KeyboardModifier.NoModifier
_SHIFT = Qt.KeyboardModifier.ShiftModifier

# (key, modifiers) -> (command, argument) understood by the timeline.
TIMELINE_KEYS: dict[tuple[Qt.Key, Qt.KeyboardModifier], tuple[str, int]] = {
    (Qt.Key.Key_Left, _NONE): ("step", -1),
    (Qt.Key.Key_Right, _NONE): ("step", 1),
    (Qt.Key.Key_Left, _SHIFT): ("snippet", -1),
    (Qt.Key.Key_Right, _SHIFT): ("snippet", 1),
    (Qt.Key.Key_Home, _NONE): ("home", 0),
    (Qt.Key.Key_End, _NONE): ("end", 0),
    (Qt.Key.Key_J, _NONE): ("play", -1),
    (Qt.Key.Key_K, _NONE): ("stop", 0),
    (Qt.Key.Key_L, _NONE): ("play", 1),
}

SHEET: dict[str, list[tuple[str, str]]] = {
    "Timeline": [
        ("← →", "Back / forward one second (hold to keep going)"),
        ("Shift ← →", "Back / forward one snippet"),
        ("Home  End", "First / last frame"),
        ("J  K  L", "Play backward / stop / play forward; press J or L again to go faster"),
        ("Click, drag", "Jump to a time; drag to scrub"),
        ("Hover", "Thumbnail of the time under the pointer"),
    ],
    "Queue": [
        ("Ctrl+O", "Add videos"),
        ("Ctrl+Shift+O", "Add a folder"),
        ("Drop", "Drop videos or folders anywhere on the window"),
        ("Space", "Pause or resume the selected job"),
        ("Delete", "Remove the selected job from the queue (its files stay)"),
        ("Drag a row", "Change the order of the queue"),
    ],
    "Window": [
        ("Ctrl+J", "Open an earlier job from its manifest"),
        ("Ctrl+,", "Settings"),
        ("?", "This sheet"),
        ("Ctrl+Q", "Quit"),
    ],
}


class ShortcutSheet(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        row = 0
        for section, items in SHEET.items():
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
                key_label = QLabel(keys)
                key_label.setObjectName("shortcutKeys")
                key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                grid.addWidget(key_label, row, 0)
                grid.addWidget(QLabel(description), row, 1)
                row += 1
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
