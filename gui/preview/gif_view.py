"""The current snippet's GIF, showing the picture of the playhead's time: it plays along
with the timeline, and a scrub or a step shows the GIF's picture of that moment.

The GIF is drawn scaled to fit its box with its shape kept (a portrait GIF in the side
column shrinks rather than pushing its caption over itself).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from .frame_view import CANVAS, CANVAS_TEXT, fitted
from .gif_frames import GifFrames

GIF_BOX = QSize(240, 135)
_MIN_HEIGHT = 60


class GifScreen(QWidget):
    """Where the GIF's picture is painted, as large as its box allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self._aspect = GIF_BOX.width() / GIF_BOX.height()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(_MIN_HEIGHT)
        self.setAccessibleName("Snippet GIF")

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 1 else GIF_BOX.width()
        return QSize(GIF_BOX.width(), round(width / self._aspect))

    def minimumSizeHint(self) -> QSize:
        return QSize(80, _MIN_HEIGHT)

    def image(self) -> QImage | None:
        return self._image

    def set_picture(self, image: QImage | None, message: str = "") -> None:
        if image is not None and image.height():
            aspect = image.width() / image.height()
            if abs(aspect - self._aspect) > 1e-3:
                self._aspect = aspect
                self._fit_height()
        self._image, self._message = image, message
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the picture is (or would be) drawn."""
        box = QRectF(self.rect())
        if self._image is None:
            return box
        return fitted(box, self._image)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_height()
        super().resizeEvent(event)

    def _fit_height(self) -> None:
        """No taller than the picture at this width: the room left goes to what follows."""
        self.setMaximumHeight(max(_MIN_HEIGHT, round(self.width() / self._aspect)))
        self.updateGeometry()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._image is None:
            path = QPainterPath()
            path.addRoundedRect(QRectF(self.rect()), 6, 6)
            painter.fillPath(path, CANVAS)
            painter.setPen(CANVAS_TEXT)
            painter.drawText(
                self.rect().adjusted(10, 6, -10, -6),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
            return
        target = self.picture_rect()
        clip = QPainterPath()
        clip.addRoundedRect(target, 6, 6)
        painter.setClipPath(clip)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)


class GifView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path: Path | None = None
        self._frame = -1  # the picture shown
        self._count = 0
        self._frames = GifFrames(parent=self)
        self._frames.ready.connect(self._on_ready)
        self.screen = GifScreen()
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setObjectName("secondaryText")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.screen)
        layout.addWidget(self.caption)

    def path(self) -> Path | None:
        return self._path

    def frame(self) -> int:
        """The number of the GIF picture shown (-1: none)."""
        return self._frame

    def frame_count(self) -> int:
        return self._count

    def current_image(self) -> QImage | None:
        return self.screen.image()

    def idle(self) -> bool:
        return self._frames.idle()

    def set_gif(self, path: Path | None, frame: int, caption: str, message: str = "") -> None:
        """Show picture ``frame`` of the GIF at ``path`` (or ``message`` when there is no
        GIF), with ``caption`` below."""
        if self.caption.text() != caption:
            self.caption.setText(caption)
            self.screen.setAccessibleDescription(caption)
        if path is None:
            self._path, self._frame, self._count = None, -1, 0
            self.screen.set_picture(None, message)
            return
        if path != self._path:
            self._path, self._frame, self._count = path, -1, 0
        if frame != self._frame:
            self._frames.request(path, frame)

    def forget(self) -> None:
        """Read the GIF from its file again at the next picture (it may have been rewritten)."""
        self._frames.forget()
        self._frame = -1

    def stop(self) -> None:
        self._frames.stop()

    def _on_ready(self, path: Path, frame: int, image: QImage | None, count: int) -> None:
        if path != self._path:
            return  # a GIF no longer shown
        self._frame, self._count = frame, count
        if image is None or image.isNull():
            self.screen.set_picture(None, f"Cannot read {path.name}")
        else:
            self.screen.set_picture(image)
