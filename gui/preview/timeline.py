"""The timeline: a time ruler, a filmstrip of the job's stills, which snippets are rendered,
snippet boundaries and the playhead. Click or drag to scrub, hover for a thumbnail; the
keys of :mod:`gui.preview.shortcuts` run :meth:`Timeline.run_command`.

Only the thumbnails of the visible filmstrip slots are ever requested, so the cost of a
paint does not depend on the length of the video. Times are written as
:class:`~gui.preview.time_labels.TimeLabels` say; a :class:`TimelineLayer` (the marks) draws
over the strip and in the lane below it.
"""

from __future__ import annotations

import math
from typing import Protocol

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.manifest import DONE, FAILED

from .frame_view import fitted
from .image_cache import ImageCache, ImageKey
from .player import Player
from .time_labels import TimeLabels
from .timeline_model import CLOUD, LOCAL, TimelineModel

MARGIN = 10
RULER_H = 18
STRIP_H = 56
GAP = 4
BAND_H = 6
LANE_GAP = 3
LANE_H = 12  # the marks' lane, below the snippets' band
TICK_ROOM = 16  # pixels between one ruler label and the next tick
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
APPROXIMATE_OPACITY = 0.75  # an approximate thumbnail is drawn faded
PENDING_VEIL = 200  # opacity (of 255) of the veil over parts not rendered yet
PENDING_VEIL_OVER_OVERVIEW = 90  # … where overview pictures stand in

FAILED_COLOR = QColor("#d64545")
NO_JOB = "No job selected"
# A snippet rendered on AWS, in a job rendered both here and there (here: the highlight).
CLOUD_COLOR = QColor("#2bb5a5")


class TimelineLayer(Protocol):
    """Something drawn over the timeline: over the strip, and in the lane below it."""

    def paint(self, painter: QPainter, timeline: Timeline, strip: QRect, lane: QRectF) -> None:
        """Paint with ``painter`` (restored by the caller); ``timeline.x_of`` places times."""


class Timeline(QWidget):
    positionChanged = Signal(float)
    hoverChanged = Signal(object)  # time under the pointer (float), or None when it leaves
    playingChanged = Signal(int)  # signed speed; 0 when stopped

    def __init__(self, cache: ImageCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._model: TimelineModel | None = None
        self._placeholder = NO_JOB
        self._position = 0.0
        self._hover_x: float | None = None
        self._wanted: set[ImageKey] = set()
        self._times = TimeLabels()
        self._layer: TimelineLayer | None = None
        self._player = Player(parent=self)
        self._player.moved.connect(self._played_to)
        self._player.speedChanged.connect(self.playingChanged)
        cache.loaded.connect(self._on_loaded)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Timeline")
        self._describe()

    def sizeHint(self) -> QSize:
        return QSize(640, MARGIN * 2 + RULER_H + STRIP_H + GAP + BAND_H + LANE_GAP + LANE_H)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    # -- state ----------------------------------------------------------------------------

    def model(self) -> TimelineModel | None:
        return self._model

    def set_model(self, model: TimelineModel | None, placeholder: str = NO_JOB) -> None:
        """Show ``model``; with none, ``placeholder`` says why (and what to do)."""
        self.stop()
        self._model = model
        self._placeholder = placeholder
        self._position = 0.0
        self._describe()
        self.update()

    def set_time_labels(self, times: TimeLabels) -> None:
        self._times = times
        self._describe()
        self.update()

    def time_labels(self) -> TimeLabels:
        return self._times

    def set_layer(self, layer: TimelineLayer | None) -> None:
        self._layer = layer
        self.update()

    def placeholder(self) -> str:
        return "" if self._model is not None else self._placeholder

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
        self._describe()
        self.positionChanged.emit(t)

    def speed(self) -> int:
        return self._player.speed

    def stop(self) -> None:
        self._player.stop()

    # -- geometry -------------------------------------------------------------------------

    def _strip_rect(self) -> QRect:
        return QRect(MARGIN, MARGIN + RULER_H, max(1, self.width() - 2 * MARGIN), STRIP_H)

    def strip_rect(self) -> QRect:
        return self._strip_rect()

    def lane_rect(self) -> QRectF:
        strip = self._strip_rect()
        top = strip.bottom() + 1 + GAP + BAND_H + LANE_GAP
        return QRectF(strip.left(), top, strip.width(), LANE_H)

    def x_of(self, t: float) -> float:
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

    def slot_time(self, x: float) -> float:
        """The time of the filmstrip thumbnail drawn at ``x``: its slot's middle."""
        strip = self._strip_rect()
        width = self.thumb_size().width()
        left = strip.left() + (max(0.0, x - strip.left()) // width) * width
        return self.time_at(min(strip.right(), left + width / 2))

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        model = self._model
        strip = self._strip_rect()
        if self.hasFocus():
            self._paint_focus(painter, palette)
        if model is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect().adjusted(MARGIN * 2, MARGIN, -MARGIN * 2, -MARGIN),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._placeholder,
            )
            return
        self._paint_ruler(painter, model, palette)
        self._paint_strip(painter, model, strip, palette)
        self._paint_band(painter, model, strip, palette)
        self._paint_boundaries(painter, model, strip)
        if self._layer is not None:
            painter.save()
            self._layer.paint(painter, self, strip, self.lane_rect())
            painter.restore()
        if self._hover_x is not None:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1, Qt.PenStyle.DotLine))
            painter.drawLine(
                QPointF(self._hover_x, strip.top()), QPointF(self._hover_x, strip.bottom())
            )
        self._paint_playhead(painter, strip, palette)

    def _paint_focus(self, painter: QPainter, palette: QPalette) -> None:
        """A ring in the accent colour: the keys act on the timeline now."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 5, 5)
        painter.restore()

    def _paint_ruler(self, painter: QPainter, model: TimelineModel, palette: QPalette) -> None:
        strip = self._strip_rect()
        per_second = strip.width() / model.duration
        text = palette.color(QPalette.ColorRole.PlaceholderText)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        # Ticks far enough apart for the longest label of this video (a timecode is long).
        room = metrics.horizontalAdvance(self._times.short(model.duration)) + TICK_ROOM
        step = next((s for s in _TICK_STEPS if s * per_second >= room), _TICK_STEPS[-1])
        # However long the video, no more ticks than fit: the loop's length is bounded.
        step = max(step, model.duration / max(1, strip.width() // 40))
        painter.setPen(text)
        for t in self._times.ticks(step, model.duration):
            x = round(self.x_of(t))
            painter.drawLine(x, MARGIN + RULER_H - 5, x, MARGIN + RULER_H - 1)
            label = self._times.short(t)
            # Labels sit right of their tick; one that would not fit before the edge is left
            # out rather than drawn away from its tick.
            if x + 3 + metrics.horizontalAdvance(label) <= self.width() - MARGIN:
                painter.drawText(x + 3, MARGIN + metrics.ascent() - 1, label)

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
            picture = model.picture_at(self.slot_time(left))
            if picture is None:
                continue
            key = ImageKey.of(picture.path, pixel_size)
            wanted.append(key)
            image = self._cache.get(key)
            if image is not None:
                slot = QRectF(left, strip.top(), size.width(), size.height())
                painter.setOpacity(APPROXIMATE_OPACITY if picture.approximate else 1.0)
                painter.drawImage(fitted(slot, image), image)
                painter.setOpacity(1.0)
        self._wanted = set(wanted)
        self._cache.request(reversed(wanted))  # left to right: the first slot comes first
        self._paint_unrendered(painter, model, strip, palette)
        painter.restore()

    def _paint_unrendered(
        self, painter: QPainter, model: TimelineModel, strip: QRect, palette: QPalette
    ) -> None:
        """Veil the parts of the strip whose snippets are not rendered (yet): lightly where
        overview pictures stand in (they stay visible, hatched as approximate)."""
        pending = QColor(palette.color(QPalette.ColorRole.Window))
        pending.setAlpha(PENDING_VEIL_OVER_OVERVIEW if model.overview else PENDING_VEIL)
        hatch = QBrush(palette.color(QPalette.ColorRole.Mid), Qt.BrushStyle.BDiagPattern)
        failed = QColor(FAILED_COLOR)
        failed.setAlpha(90)
        for start, end, status in _runs(model):
            if status.startswith(DONE):
                continue
            left, right = self.x_of(start), self.x_of(end)
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
            left, right = self.x_of(start), self.x_of(end)
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
            x = round(self.x_of(start))
            painter.drawLine(x, strip.top(), x, bottom)

    def _paint_playhead(self, painter: QPainter, strip: QRect, palette: QPalette) -> None:
        x = self.x_of(self._position)
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
            self._seek(self.time_at(event.position().x()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if event.buttons() & Qt.MouseButton.LeftButton and self._model is not None:
            self._seek(self.time_at(x))
        self._set_hover(x)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()  # playback goes on: Space plays wherever the focus is
        super().focusOutEvent(event)

    def _seek(self, t: float) -> None:
        """Move the playhead with the pointer; playback goes on from there."""
        self.set_position(t)
        if self.speed():
            self._player.play(self._position, self.speed())

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

    # -- commands (keys, menu, buttons) ---------------------------------------------------

    def run_command(self, command: str, arg: int = 0) -> None:
        """Run a command of :data:`gui.preview.shortcuts.PLAYBACK`:

        ``toggle_play`` (from the start again when at the end), ``shuttle`` (±1: J/L),
        ``stop``, ``still`` (±1 still), ``seconds`` (±n s), ``boundary`` (±1: the previous or
        next snippet start), ``home``, ``end``.
        """
        model = self._model
        if model is None:
            return
        if command == "toggle_play":
            if self.speed():
                self.stop()
            else:
                at_end = self._position >= model.last_time
                self._player.play(0.0 if at_end else self._position, 1)
                if at_end:
                    self.set_position(0.0)
            return
        if command == "shuttle":
            self._player.faster(self._position, arg)
            return
        self.stop()
        if command == "still":
            n = model.frame_at(self._position)
            if n is None:  # no stills: a GIF picture at a time
                self.set_position(self._position + arg / model.settings.gif_fps)
            else:
                self.set_position(model.frame_time(max(0, n + arg)))
        elif command == "seconds":
            self.set_position(self._position + arg)
        elif command == "boundary":
            if arg < 0:
                self.set_position(model.boundary_before(self._position))
            else:
                self.set_position(model.boundary_after(self._position))
        elif command == "home":
            self.set_position(0.0)
        elif command == "end":
            self.set_position(model.last_time)

    def _played_to(self, t: float) -> None:
        model = self._model
        if model is None:
            self.stop()
            return
        self.set_position(t)
        if t <= 0 or t >= model.last_time:
            self.stop()

    # -- accessibility --------------------------------------------------------------------

    def _describe(self) -> None:
        """Say where the playhead is, for screen readers."""
        model = self._model
        if model is None:
            text = self._placeholder
        else:
            snippet = model.snippet_at(self._position)
            state = "rendered" if model.snippet_done(snippet) else model.status[snippet]
            text = (
                f"Playhead at {self._times.short(self._position)} of "
                f"{self._times.short(model.duration)}; "
                f"snippet {snippet + 1} of {model.snippet_count} ({state})"
            )
        if self.accessibleDescription() != text:
            self.setAccessibleDescription(text)


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
