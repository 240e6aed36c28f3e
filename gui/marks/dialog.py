"""Editing one mark: its name, its note, its start and (for a range) its end.

Times are typed as the window shows them (source timecode or elapsed time), or as seconds
or ``[H:]MM:SS``; an end left empty makes a point marker. A time left as it was keeps its
exact value (a timecode label names a frame, which may start a little before it).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.errors import UsageError
from core.export import ExportJob
from core.marks import MAX_NAME_CHARS, Mark, MarksError

from ..preview.time_labels import TimeLabels


class MarkDialog(QDialog):
    def __init__(
        self, mark: Mark, job: ExportJob, times: TimeLabels, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit mark")
        self.setMinimumWidth(420)
        self._mark, self._job, self._times = mark, job, times
        self.name = QLineEdit(mark.name)
        self.name.setMaxLength(MAX_NAME_CHARS)
        self.name.setAccessibleName("Name")
        self.name.setAccessibleDescription("The mark's name, as exports show it")
        self.start = QLineEdit(times.precise(mark.start))
        self.start.setAccessibleName("Start")
        self.end = QLineEdit(times.precise(mark.end) if mark.end is not None else "")
        self.end.setAccessibleName("End")
        self.end.setPlaceholderText("empty: a marker at the start")
        self.note = QPlainTextEdit(mark.note)
        self.note.setAccessibleName("Note")
        self.note.setAccessibleDescription("Anything to remember about this moment")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        hint = (
            "Times as HH:MM:SS:FF in the video's timecode, seconds, or [H:]MM:SS"
            if times.timecode
            else "Times as [H:]MM:SS.ss, seconds, or HH:MM:SS:FF in the video's timecode"
        )
        for editor in (self.start, self.end):
            editor.setToolTip(hint)
            editor.setAccessibleDescription(hint)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Start", self.start)
        form.addRow("End", self.end)
        form.addRow("Note", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        buttons.button(ok).setToolTip("Keep the changes")
        buttons.button(cancel).setToolTip("Leave the mark as it was")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name.setFocus()
        self.name.selectAll()

    def _time(self, editor: QLineEdit, original: float | None, what: str) -> float | None:
        text = editor.text().strip()
        if not text:
            return None
        if original is not None and text == self._times.precise(original):
            return original
        return self._job.check_time(self._job.parse_time(text, what), what)

    def value(self) -> Mark:
        """The mark as entered; raises :class:`UsageError` or :class:`MarksError`."""
        start = self._time(self.start, self._mark.start, "start")
        if start is None:
            raise UsageError("enter the start of the mark")
        end = self._time(self.end, self._mark.end, "end")
        return Mark(start, end, self.name.text().strip(), self.note.toPlainText().strip())

    def accept(self) -> None:
        try:
            self.value()
        except (UsageError, MarksError) as exc:
            text = str(exc)
            self.error.setText(text[:1].upper() + text[1:])
            return
        super().accept()
