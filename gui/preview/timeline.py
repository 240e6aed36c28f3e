"""The timeline: a time ruler, a filmstrip of the job's stills, which snippets are rendered,
snippet boundaries and the playhead. Click or drag to scrub, hover for a thumbnail, keys
to step (see :mod:`gui.preview.shortcuts`).

Only the thumbnails of the visible filmstrip slots are ever requested, so the cost of a
paint does not depend on the length of the video.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.manifest import DONE, FAILED
from core.timefmt import format_clock

from .image_cache import ImageCache, ImageKey
from .shortcuts import TIMELINE_KEYS
from .timeline_model import CLOUD, LOCAL, TimelineModel

MARGIN = 10
RULER_H = 18
STRIP_H = 56
GAP = 4
BAND_H = 6
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
_PLAY_TICK_MS = 40
_MAX_SPEED = 64

FAILED_COLOR = QColor("#d64545")
# A snippet rendered on AWS, in a job rendered both here and there (here: the highlight).
CLOUD_COLOR = QColor("#2bb5a5")


class Timeline(QWidget):
    positionChanged = Signal(float)
    hoverChanged = Signal(object)  # time under the pointer (float), or None when it leaves
    playingChanged = Signal(int)  # signed speed; 0 when stopped

    def __init__(self, cache: ImageCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._model: TimelineModel | None = None
        self._position = 0.0
        self._hover_x: float | None = None
        self._wanted: set[ImageKey] = set()
        self._speed = 0
        self._player = QTimer(self)
        self._player.setInterval(_PLAY_TICK_MS)
        self._player.timeout.connect(self._play_step)
        cache.loaded.connect(self._on_loaded)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Timeline")

    def sizeHint(self) -> QSize:
        return QSize(640, MARGIN * 2 + RULER_H + STRIP_H + GAP + BAND_H)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    # -- state ----------------------------------------------------------------------------

    def model(self) -> TimelineModel | None:
        return self._model

    def set_model(self, model: TimelineModel | None) -> None:
        self.stop()
        self._model = model
        self._position = 0.0
        self.update()

    def position(self) -> float:
        return self._position

    def set_position(self, t: float) -> None:
        if self._model is None:
            return
        t = self._model.clamp(t)
        if t == self._position:
            return
        self._position = t
        self.update()
        self.positionChanged.emit(t)

    def speed(self) -> int:
        return self._speed

    def stop(self) -> None:
        if self._speed:
            self._speed = 0
            self._player.stop()
            self.playingChanged.emit(0)

    # -- geometry -------------------------------------------------------------------------

    def _strip_rect(self) -> QRect:
        return QRect(MARGIN, MARGIN + RULER_H, max(1, self.width() - 2 * MARGIN), STRIP_H)

    def _x_of(self, t: float) -> float:
        strip = self._strip_rect()
        duration = self._model.duration if self._model else 1.0
        return strip.left() + strip.width() * t / duration

    def time_at(self, x: float) -> float:
        strip = self._strip_rect()
        duration = self._model.duration if self._model else 0.0
        return max(0.0, min(duration, (x - strip.left()) / strip.width() * duration))

    def thumb_size(self) -> QSize:
        aspect = self._model.aspect if self._model else 16 / 9
        width = max(24, min(200, round(STRIP_H * aspect)))
        return QSize(width, STRIP_H)

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        model = self._model
        strip = self._strip_rect()
        if model is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(strip, Qt.AlignmentFlag.AlignCenter, "No job selected")
            return
        self._paint_ruler(painter, model, palette)
        self._paint_strip(painter, model, strip, palette)
        self._paint_band(painter, model, strip, palette)
        self._paint_boundaries(painter, model, strip)
        if self._hover_x is not None:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1, Qt.PenStyle.DotLine))
            painter.drawLine(
                QPointF(self._hover_x, strip.top()), QPointF(self._hover_x, strip.bottom())
            )
        self._paint_playhead(painter, strip, palette)

    def _paint_ruler(self, painter: QPainter, model: TimelineModel, palette: QPalette) -> None:
        strip = self._strip_rect()
        per_second = strip.width() / model.duration
        step = next((s for s in _TICK_STEPS if s * per_second >= 80), _TICK_STEPS[-1])
        text = palette.color(QPalette.ColorRole.PlaceholderText)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        t = 0.0
        while t <= model.duration:
            x = round(self._x_of(t))
            painter.setPen(text)
            painter.drawLine(x, MARGIN + RULER_H - 5, x, MARGIN + RULER_H - 1)
            label = format_clock(t)
            # Labels sit right of their tick; one that would not fit before the edge is left
            # out rather than drawn away from its tick.
            if x + 3 + metrics.horizontalAdvance(label) <= self.width() - MARGIN:
                painter.drawText(x + 3, MARGIN + metrics.ascent() - 1, label)
            t += step

    def _paint_strip(
        self, painter: QPainter, model: TimelineModel, strip: QRect, palette: QPalette
    ) -> None:
        painter.save()
        painter.setClipRect(strip)
        painter.fillRect(strip, palette.color(QPalette.ColorRole.AlternateBase))
        size = self.thumb_size()
        dpr = self.devicePixelRatioF()
        pixel_size = QSize(round(size.width() * dpr), round(size.height() * dpr))
        wanted: list[ImageKey] = []
        slots = math.ceil(strip.width() / size.width())
        for slot in range(slots):
            left = strip.left() + slot * size.width()
            center = min(strip.right(), left + size.width() / 2)
            n = model.frame_at(self.time_at(center))
            path = model.frame_path(n) if n is not None else None
            if path is None:
                continue
            key = ImageKey.of(path, pixel_size)
            wanted.append(key)
            image = self._cache.get(key)
            if image is not None:
                painter.drawImage(QRectF(left, strip.top(), size.width(), size.height()), image)
        self._wanted = set(wanted)
        self._cache.request(reversed(wanted))  # left to right: the first slot comes first
        self._paint_unrendered(painter, model, strip, palette)
        painter.restore()

    def _paint_unrendered(
        self, painter: QPainter, model: TimelineModel, strip: QRect, palette: QPalette
    ) -> None:
        """Veil the parts of the strip whose snippets are not rendered (yet)."""
        pending = QColor(palette.color(QPalette.ColorRole.Window))
        pending.setAlpha(200)
        hatch = QBrush(palette.color(QPalette.ColorRole.Mid), Qt.BrushStyle.BDiagPattern)
        failed = QColor(FAILED_COLOR)
        failed.setAlpha(90)
        for start, end, status in _runs(model):
            if status.startswith(DONE):
                continue
            left, right = self._x_of(start), self._x_of(end)
            rect = QRectF(left, strip.top(), max(1.0, right - left), strip.height())
            painter.fillRect(rect, failed if status == FAILED else pending)
            if status != FAILED:
                painter.fillRect(rect, hatch)

    def _paint_band(
        self, painter: QPainter, model: TimelineModel, strip: QRect, palette: QPalette
    ) -> None:
        top = strip.bottom() + 1 + GAP
        colors = {
            DONE: palette.color(QPalette.ColorRole.Highlight),
            f"{DONE}:{CLOUD}": CLOUD_COLOR,
            f"{DONE}:{LOCAL}": palette.color(QPalette.ColorRole.Highlight),
            FAILED: FAILED_COLOR,
        }
        rest = palette.color(QPalette.ColorRole.Mid)
        for start, end, status in _runs(model):
            left, right = self._x_of(start), self._x_of(end)
            painter.fillRect(
                QRectF(left, top, max(1.0, right - left), BAND_H), colors.get(status, rest)
            )

    def _paint_boundaries(self, painter: QPainter, model: TimelineModel, strip: QRect) -> None:
        spacing = strip.width() * model.settings.snippet_seconds / model.duration
        if spacing < 6:  # too dense to read: the band still shows the snippets' states
            return
        line = QColor(255, 255, 255, 70)
        painter.setPen(QPen(line, 1))
        bottom = strip.bottom() + GAP + BAND_H
        for start in model.starts[1:]:
            x = round(self._x_of(start))
            painter.drawLine(x, strip.top(), x, bottom)

    def _paint_playhead(self, painter: QPainter, strip: QRect, palette: QPalette) -> None:
        x = self._x_of(self._position)
        color = palette.color(QPalette.ColorRole.Text)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color, 2))
        bottom = strip.bottom() + GAP + BAND_H + 2
        painter.drawLine(QPointF(x, strip.top() - 2), QPointF(x, bottom))
        painter.setBrush(color)
        painter.setPen(Qt.PenStyle.NoPen)
        top = strip.top() - 2
        painter.drawPolygon(
            QPolygonF([QPointF(x - 6, top - 7), QPointF(x + 6, top - 7), QPointF(x, top)])
        )

    def _on_loaded(self, key: ImageKey) -> None:
        if key in self._wanted:
            self.update(self._strip_rect())

    # -- mouse ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._model is not None:
            self.stop()
            self.set_position(self.time_at(event.position().x()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if event.buttons() & Qt.MouseButton.LeftButton and self._model is not None:
            self.set_position(self.time_at(x))
        self._set_hover(x)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.stop()
        super().focusOutEvent(event)

    def _set_hover(self, x: float | None) -> None:
        strip = self._strip_rect()
        if x is not None and (self._model is None or not strip.left() <= x <= strip.right()):
            x = None
        if x == self._hover_x:
            return
        self._hover_x = x
        self.update()
        self.hoverChanged.emit(None if x is None else self.time_at(x))

    def hover_anchor(self) -> QPointF | None:
        """Where a hover thumbnail should point to (top of the strip, in widget pixels)."""
        if self._hover_x is None:
            return None
        return QPointF(self._hover_x, self._strip_rect().top())

    # -- keyboard -------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        binding = TIMELINE_KEYS.get((Qt.Key(event.key()), modifiers))
        if binding is None or self._model is None:
            super().keyPressEvent(event)
            return
        self.run_command(*binding)
        event.accept()

    def run_command(self, command: str, arg: int) -> None:
        """Run a timeline command (see :data:`TIMELINE_KEYS`)."""
        model = self._model
        if model is None:
            return
        if command == "play":
            self._play(arg)
            return
        self.stop()
        if command == "step":
            self.set_position(self._position + arg)
        elif command == "snippet":
            self.set_position(self._position + arg * model.settings.snippet_seconds)
        elif command == "home":
            self.set_position(0.0)
        elif command == "end":
            self.set_position(model.last_time)

    def _play(self, direction: int) -> None:
        if self._speed and (self._speed > 0) == (direction > 0):
            speed = min(_MAX_SPEED, abs(self._speed) * 2) * direction
        else:
            speed = direction
        self._speed = speed
        self._player.start()
        self.playingChanged.emit(speed)

    def _play_step(self) -> None:
        model = self._model
        if model is None:
            self.stop()
            return
        target = self._position + self._speed * _PLAY_TICK_MS / 1000
        self.set_position(target)
        if target <= 0 or target >= model.last_time:
            self.stop()


def _runs(model: TimelineModel) -> list[tuple[float, float, str]]:
    """Consecutive snippets of one state merged: (start, end, state); a done snippet of a
    job rendered both here and on AWS has the side in its state (``done:lambda``)."""
    runs: list[tuple[float, float, str]] = []
    for index, status in enumerate(model.status):
        start, end = model.starts[index], model.snippet_end(index)
        key = status if status in (DONE, FAILED) else "pending"
        side = model.side(index)
        if side:
            key = f"{key}:{side}"
        if runs and runs[-1][2] == key:
            runs[-1] = (runs[-1][0], end, key)
        else:
            runs.append((start, end, key))
    return runs
