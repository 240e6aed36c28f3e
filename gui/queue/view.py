"""The queue list: takes dropped files and folders, reorders rows by drag, shows a hint
when empty, and asks for the selected row's context menu (right click, the Menu key or
Shift+F10)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from ..icons import draw_icon
from .delegate import QueueDelegate
from .model import ROW_MIME, QueueModel, rows_from_mime


def dropped_paths(mime: QMimeData) -> list[Path]:
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class QueueView(QListView):
    pathsDropped = Signal(list)  # list[Path]
    menuRequested = Signal(QPoint)  # where the selected row's context menu goes (global)

    def __init__(
        self, model: QueueModel, delegate: QueueDelegate, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._delegate = delegate
        self._marker: int | None = None  # where a dragged row would land
        self.setModel(model)
        self.setItemDelegate(delegate)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Queue")
        self.setAccessibleDescription(
            "Jobs in the order they run. Drop videos or folders here; the context menu "
            "(Menu key or Shift+F10) holds what can be done with the selected job."
        )

    def queue_model(self) -> QueueModel:
        model = self.model()
        assert isinstance(model, QueueModel)
        return model

    # -- drops ----------------------------------------------------------------------------
    # Both kinds of drag are handled here rather than by QAbstractItemView: files and
    # folders from outside are added, rows of the queue are moved (with our own marker).

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_drag(event)

    def _accept_drag(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        elif mime.hasFormat(ROW_MIME):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self._set_marker(self.drop_row(event.position()))
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._set_marker(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_marker(None)
        mime = event.mimeData()
        if mime.hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.pathsDropped.emit(dropped_paths(mime))
            return
        rows = rows_from_mime(mime)
        if rows:
            self.queue_model().move(rows[0], self.drop_row(event.position()))
        # Reported as a copy: the move is done, the view must not delete the source row.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def drop_row(self, pos: QPointF) -> int:
        """The row a drop at ``pos`` lands before."""
        index = self.indexAt(pos.toPoint())
        if not index.isValid():
            return self.queue_model().rowCount()
        rect = self.visualRect(index)
        return index.row() + (1 if pos.y() > rect.center().y() else 0)

    def _set_marker(self, row: int | None) -> None:
        if row != self._marker:
            self._marker = row
            self.viewport().update()

    # -- context menu ---------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.currentIndex()
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
            if index.isValid():
                self.setCurrentIndex(index)
        if not index.isValid():
            return
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            at = event.globalPos()
        else:  # from the keyboard: below the row's name
            rect = self.visualRect(index)
            at = self.viewport().mapToGlobal(QPoint(rect.left() + 120, rect.top() + 30))
        self.menuRequested.emit(at)
        event.accept()

    # -- hover for the row buttons -------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._delegate.hover_pos = event.position()
        self.viewport().update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._delegate.hover_pos = None
        self.viewport().update()
        super().leaveEvent(event)

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        if self.model().rowCount():
            if self._marker is not None:
                self._paint_marker(painter, self._marker)
            return
        color = self.palette().color(QPalette.ColorRole.PlaceholderText)
        rect = self.viewport().rect()
        size = 56
        center = rect.center()
        icon = QRectF(center.x() - size / 2, center.y() - size - 10, size, size)
        draw_icon(painter, "add-folder", icon, color)
        painter.setPen(color)
        painter.drawText(
            rect.adjusted(24, center.y() - rect.top(), -24, 0),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            "Drop videos or folders here\nor use Add videos…",
        )

    def _paint_marker(self, painter: QPainter, row: int) -> None:
        model = self.queue_model()
        if row < model.rowCount():
            y = self.visualRect(model.index(row)).top()
        else:
            y = self.visualRect(model.index(model.rowCount() - 1)).bottom()
        painter.fillRect(0, y - 1, self.viewport().width(), 3, self.palette().highlight())
