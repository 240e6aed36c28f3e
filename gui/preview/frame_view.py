"""The large view of the still at the current position."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

# Pictures are judged on a dark surround, whatever the window's palette.
CANVAS = QColor("#16181b")
CANVAS_TEXT = QColor("#9aa0a6")
APPROXIMATE_TEXT = "approximate"  # the badge of a picture that only comes near the time


def fitted(box: QRectF, image: QImage) -> QRectF:
    """Where ``image`` is drawn in ``box``: as large as fits, centred, its shape kept."""
    scale = min(box.width() / max(1, image.width()), box.height() / max(1, image.height()))
    target = QRectF(0, 0, image.width() * scale, image.height() * scale)
    target.moveCenter(box.center())
    return target


def paint_badge(painter: QPainter, corner: QRectF, text: str) -> None:
    """A small dark label in the top left corner of ``corner``."""
    painter.save()
    metrics = painter.fontMetrics()
    box = QRectF(corner.left() + 8, corner.top() + 8, metrics.horizontalAdvance(text) + 14, 20)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 150))
    painter.drawRoundedRect(box, 10, 10)
    painter.setPen(QColor("#e8eaed"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


class FrameView(QWidget):
    painted = Signal()  # after each paint: lets benchmarks time a change to its pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self._approximate = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted
        self.setAccessibleName("Still")

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 90)

    def image(self) -> QImage | None:
        return self._image

    def message(self) -> str:
        return self._message

    def approximate(self) -> bool:
        return self._approximate

    def set_image(
        self, image: QImage | None, message: str = "", *, approximate: bool = False
    ) -> None:
        """Show ``image`` (badged when it is ``approximate``), or ``message`` when there is
        none."""
        same = image is self._image  # an identity test: comparing pixels would cost a scan
        if same and message == self._message and approximate == self._approximate:
            return
        self._image, self._message, self._approximate = image, message, approximate
        self.update()

    def image_rect(self) -> QRectF:
        """Where the picture is drawn: as large as fits, centred, its shape kept."""
        if self._image is None:
            return self._fit(16 / 9)
        return fitted(QRectF(self.rect()), self._image)

    def _fit(self, aspect: float) -> QRectF:
        area = QRectF(self.rect())
        width = min(area.width(), area.height() * aspect)
        target = QRectF(0, 0, width, width / aspect)
        target.moveCenter(area.center())
        return target

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
            if self._approximate:
                paint_badge(painter, target, APPROXIMATE_TEXT)
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
