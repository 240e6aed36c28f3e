"""Fields the export dialogs share: a file or folder to write (or a file to read), typed or
chosen in a file dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

SAVE = "save"  # a file to write
FOLDER = "folder"  # a folder to make
OPEN = "open"  # a file to read
PATH_CHARS = 48  # the least a path field shows, in average characters


class PathEdit(QWidget):
    """A path, of ``kind`` :data:`SAVE`, :data:`FOLDER` or :data:`OPEN` (``filters`` as
    for QFileDialog)."""

    changed = Signal()

    def __init__(self, label: str, path: Path | None, kind: str = SAVE, filters: str = "") -> None:
        super().__init__()
        self._label, self._kind, self._filters = label, kind, filters
        self.line = QLineEdit(str(path) if path is not None else "")
        what = {SAVE: "The file to write", FOLDER: "The new folder to write", OPEN: "The file"}
        describe(self.line, label, f"{what[kind]}: type its path, or choose it")
        self.line.textChanged.connect(lambda _text: self.changed.emit())
        # Room for a folder and a name: the name, at the end, is what is checked.
        self.line.setMinimumWidth(self.line.fontMetrics().averageCharWidth() * PATH_CHARS)
        self.browse = QPushButton("Choose…")
        self.browse.setAccessibleName(f"Choose the {label.lower()}")
        self.browse.setToolTip(f"Choose the {label.lower()} in a file dialog")
        self.browse.clicked.connect(self._choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.browse)

    def path(self) -> Path:
        return Path(self.line.text().strip()).expanduser()

    def set_path(self, path: Path) -> None:
        self.line.setText(str(path))

    def set_suffix(self, suffix: str) -> None:
        """Keep the name, change its extension (a format chosen elsewhere in the dialog)."""
        path = self.path()
        if path.name and path.suffix.lower() != suffix:
            self.set_path(path.with_suffix(suffix))

    def _choose(self) -> None:
        current = str(self.path())
        if self._kind == FOLDER:
            chosen = QFileDialog.getExistingDirectory(self, self._label, str(self.path().parent))
            if chosen:  # the export makes a new folder inside the one chosen
                self.set_path(Path(chosen) / self.path().name)
            return
        if self._kind == OPEN:
            chosen, _ = QFileDialog.getOpenFileName(self, self._label, current, self._filters)
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, self._label, current, self._filters)
        if chosen:
            self.set_path(Path(chosen))


def confirm_replace(parent: QWidget, path: Path) -> bool:
    """Whether ``path`` may be written: it does not exist, or the user agrees to replace it."""
    if not (path.exists() or path.is_symlink()):
        return True
    what = "folder" if path.is_dir() else "file"
    answer = QMessageBox.question(
        parent,
        f"Replace {path.name}?",
        f"A {what} named {path.name} is already in {path.parent}. Replace it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def describe(widget: QWidget, name: str, description: str) -> None:
    """Name ``widget`` for screen readers and say what it does (its tooltip too)."""
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description)
    widget.setToolTip(description)
