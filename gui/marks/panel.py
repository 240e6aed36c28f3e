"""The marks of the shown job, listed in the preview's side column: in and out, then each
mark with its name, its time (or range) and the start of its note.

Click a mark (or Enter) to go to it; double-click (or F2) to edit it; Delete removes it.
The list takes Delete for itself while it has the focus: the same key removes the selected
job from the queue elsewhere in the window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.marks import Mark

from ..preview.time_labels import TimeLabels

EMPTY = "No marks yet. M adds a marker at the playhead; I and O set in and out for a range."
NO_JOB = "Marks show here once a job is selected."
_NOTE_CHARS = 60
LINES_ROLE = Qt.ItemDataRole.UserRole + 1  # (title, span, note) of a mark's item
_PAD = 4


def mark_title(mark: Mark, number: int) -> str:
    return mark.name or f"Mark {number}"


def mark_span(mark: Mark, times: TimeLabels) -> str:
    if mark.end is None:
        return times.precise(mark.start)
    return f"{times.precise(mark.start)} – {times.precise(mark.end)}"


class MarkDelegate(QStyledItemDelegate):
    """A mark in the list: its title in bold, its time and the start of its note below."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        lines = [line for line in index.data(LINES_ROLE) or () if line]
        height = option.fontMetrics.lineSpacing() * max(1, len(lines)) + 2 * _PAD
        return QSize(option.rect.width(), height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        dim = main if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        title, span, note = index.data(LINES_ROLE) or ("", "", "")
        painter.save()
        rect = option.rect.adjusted(6, _PAD, -6, -_PAD)
        height = option.fontMetrics.lineSpacing()
        bold = QFont(option.font)
        bold.setBold(True)
        for text, font, color in (
            (title, bold, main),
            (span, option.font, dim),
            (note, option.font, dim),
        ):
            if not text:
                continue
            painter.setFont(font)
            painter.setPen(color)
            line = QRect(rect.left(), rect.top(), rect.width(), height)
            painter.drawText(
                line,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
            )
            rect.setTop(rect.top() + height)
        painter.restore()


class MarkList(QListWidget):
    """The list itself: Delete, F2 and Enter act on the current mark."""

    goTo = Signal(int)
    editRequested = Signal(int)
    deleteRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = NO_JOB
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setUniformItemSizes(False)
        self.setObjectName("marksList")
        self.setAccessibleName("Marks")
        self.setAccessibleDescription(
            "The job's marks: Enter or a click goes to one, F2 or a double-click edits it, "
            "Delete removes it"
        )
        self.setItemDelegate(MarkDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # In a small window the list gives way first: the GIF above keeps its room.
        self.setMinimumHeight(1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.itemClicked.connect(lambda item: self.goTo.emit(self.row(item)))
        self.itemDoubleClicked.connect(lambda item: self.editRequested.emit(self.row(item)))

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.currentRow() >= 0
        ):
            event.accept()  # a mark is deleted, not the selected job
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        row = self.currentRow()
        key = event.key()
        if row >= 0 and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deleteRequested.emit(row)
        elif row >= 0 and key == Qt.Key.Key_F2:
            self.editRequested.emit(row)
        elif row >= 0 and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.goTo.emit(row)
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            self.viewport().rect().adjusted(8, 8, -8, -8),
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
            self.placeholder,
        )


class MarksPanel(QWidget):
    goTo = Signal(float)  # a time to move the playhead to
    addRequested = Signal()
    editRequested = Signal(int)
    deleteRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._marks: list[Mark] = []
        self.in_out = QLabel()
        self.in_out.setObjectName("secondaryText")
        self.in_out.setTextFormat(Qt.TextFormat.PlainText)
        self.in_out.setWordWrap(True)
        self.in_out.setAccessibleName("In and out")
        self.list = MarkList()
        self.list.goTo.connect(lambda row: self.goTo.emit(self._marks[row].start))
        self.list.editRequested.connect(self.editRequested)
        self.list.deleteRequested.connect(self.deleteRequested)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.add_button = _button("Add", "Add a marker at the playhead (or a range from in to out)")
        self.edit_button = _button("Edit…", "Edit the name, note and times of the selected mark")
        self.delete_button = _button("Delete", "Delete the selected mark")
        self.add_button.clicked.connect(self.addRequested)
        self.edit_button.clicked.connect(lambda: self.editRequested.emit(self.list.currentRow()))
        self.delete_button.clicked.connect(
            lambda: self.deleteRequested.emit(self.list.currentRow())
        )
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.in_out)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.show_marks(None, [], None, None, TimeLabels())

    def marks(self) -> list[Mark]:
        return list(self._marks)

    def selected(self) -> int:
        return self.list.currentRow()

    def show_marks(
        self,
        enabled: bool | None,
        marks: list[Mark],
        in_point: float | None,
        out_point: float | None,
        times: TimeLabels,
        select: Mark | None = None,
    ) -> None:
        """Show ``marks`` (``enabled`` None: no job is shown), selecting ``select``."""
        self._marks = list(marks)
        self.list.placeholder = NO_JOB if enabled is None else EMPTY
        keep = self.list.currentRow()
        self.list.clear()
        for number, mark in enumerate(marks, 1):
            title, span = mark_title(mark, number), mark_span(mark, times)
            note = " ".join(mark.note.split())
            if len(note) > _NOTE_CHARS:
                note = note[: _NOTE_CHARS - 1] + "…"
            item = QListWidgetItem(title)
            item.setData(LINES_ROLE, (title, span, note))
            item.setToolTip("\n".join(filter(None, [title, span, mark.note])))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{title}, {span}")
            if mark.note:
                item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, mark.note)
            self.list.addItem(item)
        row = next((i for i, m in enumerate(marks) if m is select), -1)
        if row < 0 and select is None and 0 <= keep < len(marks):
            row = keep
        self.list.setCurrentRow(row)
        if enabled is None:
            text = ""
        else:
            shown_in = times.precise(in_point) if in_point is not None else "–"
            shown_out = times.precise(out_point) if out_point is not None else "–"
            text = f"In {shown_in}   Out {shown_out}"
        self.in_out.setText(text)
        self.in_out.setVisible(bool(text))
        self.in_out.setAccessibleDescription(text)
        self.add_button.setEnabled(bool(enabled))
        self.list.setEnabled(enabled is not None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = 0 <= self.list.currentRow() < len(self._marks)
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)


def _button(text: str, description: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(description)
    button.setAccessibleName(f"{text.rstrip('…')} mark")
    button.setAccessibleDescription(description)
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    button.setAutoRaise(True)
    return button
