"""Dragging a picture out of the window: the big still, the GIF, a filmstrip thumbnail.

:class:`DragOut` watches a widget's mouse: a press and a move past the system's drag
distance starts a drag of what ``provide`` returns (None: nothing to drag there). On the
timeline, moving sideways scrubs; a thumbnail is dragged out by pulling it up or down out
of the timeline (``pull_out``), so both gestures keep working.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

DRAG_PICTURE_WIDTH = 160
PULL_OUT = 12  # pixels outside the timeline that make a scrub a drag

# Given where the press was (widget coordinates): the data to drag and a picture for it.
Provide = Callable[[QPointF], tuple[QMimeData, QImage | None] | None]


class DragOut(QObject):
    def __init__(self, widget: QWidget, provide: Provide, *, pull_out: bool = False) -> None:
        super().__init__(widget)
        self._widget = widget
        self._provide = provide
        self._pull_out = pull_out
        self._pressed: QPointF | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._pressed = event.position()
        elif kind == QEvent.Type.MouseButtonRelease:
            self._pressed = None
        elif (
            kind == QEvent.Type.MouseMove
            and self._pressed is not None
            and event.buttons() & Qt.MouseButton.LeftButton
            and self._starts_drag(event.position())
        ):
            pressed, self._pressed = self._pressed, None
            self.start(pressed)
            return True
        return False

    def _starts_drag(self, at: QPointF) -> bool:
        assert self._pressed is not None
        if self._pull_out:
            rect = self._widget.rect()
            return at.y() < -PULL_OUT or at.y() > rect.height() + PULL_OUT
        distance = (at - self._pressed).manhattanLength()
        return distance >= QApplication.startDragDistance()

    def start(self, pressed: QPointF) -> Qt.DropAction | None:
        """Drag what is at ``pressed`` (runs until the drop, as drags do)."""
        provided = self._provide(pressed)
        if provided is None:
            return None
        mime, image = provided
        drag = QDrag(self._widget)
        drag.setMimeData(mime)
        if image is not None and not image.isNull():
            picture = QPixmap.fromImage(
                image.scaledToWidth(
                    min(DRAG_PICTURE_WIDTH, image.width()),
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            drag.setPixmap(picture)
            drag.setHotSpot(QPoint(picture.width() // 2, picture.height() // 2))
        return drag.exec(Qt.DropAction.CopyAction)
