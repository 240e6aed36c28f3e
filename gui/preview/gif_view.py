"""The GIF of the current snippet, playing (QMovie)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QMovie
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.errors import FrameFanError
from core.safe_read import check_job_file

from .frame_view import CANVAS, CANVAS_TEXT

GIF_BOX = QSize(240, 135)
MAX_GIF_BYTES = 2 * 1024**3  # QMovie reads a GIF as it plays: only its file is bounded


class GifView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._movie: QMovie | None = None
        self._path: Path | None = None
        self._screen = QLabel()
        self._screen.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._screen.setMinimumWidth(GIF_BOX.width())
        self._screen.setFixedHeight(GIF_BOX.height())
        self._screen.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._screen.setWordWrap(True)
        self._screen.setStyleSheet(
            f"background: {CANVAS.name()}; color: {CANVAS_TEXT.name()}; border-radius: 6px;"
        )
        self._screen.setAccessibleName("Snippet GIF")
        self._caption = QLabel()
        self._caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._caption.setObjectName("secondaryText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._screen)
        layout.addWidget(self._caption)

    def path(self) -> Path | None:
        return self._path

    def movie(self) -> QMovie | None:
        return self._movie

    def current_image(self) -> QImage | None:
        return self._movie.currentImage() if self._movie is not None else None

    def set_gif(self, path: Path | None, caption: str, message: str = "") -> None:
        """Play the GIF at ``path`` (or show ``message``), with ``caption`` below."""
        self._caption.setText(caption)
        if path == self._path and (path is None or self._movie is not None):
            if path is None:
                self._screen.setText(message)
            return
        self.stop()
        self._path = path
        if path is None:
            self._screen.setText(message)
            return
        try:  # a job's GIF: a regular file in its job folder, never a FIFO or a device
            check_job_file(path, within=path.parent.parent, limit=MAX_GIF_BYTES)
        except (OSError, FrameFanError):
            self._path = None
            self._screen.setText(f"Cannot read {path.name}")
            return
        movie = QMovie(str(path))
        movie.setCacheMode(QMovie.CacheMode.CacheNone)
        if not movie.isValid():
            self._path = None
            self._screen.setText(f"Cannot read {path.name}")
            return
        self._movie = movie
        movie.jumpToFrame(0)
        height = movie.currentImage().height()
        if 0 < height <= 4 * GIF_BOX.height():  # fit the box to the GIFs of this job
            self._screen.setFixedHeight(height)
        self._screen.setMovie(movie)
        movie.start()

    def stop(self) -> None:
        if self._movie is not None:
            self._movie.stop()
            self._screen.setMovie(None)  # type: ignore[arg-type]
            self._movie.deleteLater()
            self._movie = None
        self._path = None
