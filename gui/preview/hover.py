"""The thumbnail that follows the pointer over the timeline."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from .frame_view import APPROXIMATE_TEXT, CANVAS, CANVAS_TEXT, fitted, paint_badge

THUMB = QSize(192, 108)
_LABEL_H = 20
_PAD = 4


class HoverPreview(QWidget):
    """Drawn inside the window (a child widget, not a pop-up window), so it needs no
    window manager and shows in screenshots."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._label = ""
        self._approximate = False
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(self.sizeHint())
        self.hide()

    def sizeHint(self) -> QSize:
        return QSize(THUMB.width() + 2 * _PAD, THUMB.height() + _LABEL_H + 2 * _PAD)

    def image(self) -> QImage | None:
        return self._image

    def label(self) -> str:
        return self._label

    def show_at(
        self, anchor: QPoint, image: QImage | None, label: str, *, approximate: bool = False
    ) -> None:
        """Show above ``anchor`` (parent coordinates), kept inside the parent."""
        self._image, self._label, self._approximate = image, label, approximate
        size = self.sizeHint()
        parent = self.parentWidget()
        x = anchor.x() - size.width() // 2
        if parent is not None:
            x = max(4, min(parent.width() - size.width() - 4, x))
        self.setGeometry(QRect(QPoint(x, anchor.y() - size.height() - 6), size))
        self.raise_()
        self.show()
        self.update()

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(255, 255, 255, 60))
        painter.setBrush(CANVAS)
        painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 6, 6)
        picture = QRectF(_PAD, _PAD, THUMB.width(), THUMB.height())
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            target = fitted(picture, self._image)
            painter.drawImage(target, self._image)
            if self._approximate:
                paint_badge(painter, target, APPROXIMATE_TEXT)
        else:
            painter.setPen(CANVAS_TEXT)
            painter.drawText(picture, Qt.AlignmentFlag.AlignCenter, "not rendered yet")
        painter.setPen(QColor("#e8eaed"))
        painter.drawText(
            QRect(0, round(picture.bottom()) + 1, self.width(), _LABEL_H),
            Qt.AlignmentFlag.AlignCenter,
            self._label,
        )
