"""The large view of the still at the current position."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

# Pictures are judged on a dark surround, whatever the window's palette.
CANVAS = QColor("#16181b")
CANVAS_TEXT = QColor("#9aa0a6")


class FrameView(QWidget):
    painted = Signal()  # after each paint: lets benchmarks time a change to its pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted
        self.setAccessibleName("Frame")

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 90)

    def image(self) -> QImage | None:
        return self._image

    def set_image(self, image: QImage | None, message: str = "") -> None:
        """Show ``image``, or ``message`` when there is none."""
        if image is self._image and message == self._message:
            return
        self._image, self._message = image, message
        self.update()

    def image_rect(self) -> QRectF:
        """Where the picture is drawn: as large as fits, centred, its shape kept."""
        if self._image is None:
            return self._fit(16 / 9)
        return self._fit(self._image.width() / max(1, self._image.height()))

    def _fit(self, aspect: float) -> QRectF:
        area = QRectF(self.rect())
        width = min(area.width(), area.height() * aspect)
        height = width / aspect
        return QRectF(
            area.left() + (area.width() - width) / 2,
            area.top() + (area.height() - height) / 2,
            width,
            height,
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        target = self.image_rect()
        clip = QPainterPath()
        clip.addRoundedRect(target, 6, 6)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setClipPath(clip)
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
        else:
            painter.fillRect(target, CANVAS)
            painter.setPen(CANVAS_TEXT)
            painter.drawText(
                target.adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
        painter.end()
        self.painted.emit()
