"""The marks drawn on the timeline: the span from in to out shaded over the filmstrip
between two brackets, and in the lane below the strip each range as a bar and each marker
as a diamond (with a thin line up through the strip). The mark selected in the panel is
drawn brighter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from core.marks import Mark

from ..preview.timeline import Timeline

MARK_COLOR = QColor("#f2b134")
IN_OUT_COLOR = QColor("#4fc3f7")
_HIT = 5.0  # pixels either side of a marker that still count as on it


@dataclass(frozen=True)
class LayerState:
    marks: list[Mark]
    in_point: float | None
    out_point: float | None
    selected: int  # index into marks, or -1


class MarksLayer:
    def __init__(self, state: Callable[[], LayerState | None]) -> None:
        self._state = state

    def paint(self, painter: QPainter, timeline: Timeline, strip: QRect, lane: QRectF) -> None:
        state = self._state()
        if state is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_in_out(painter, timeline, strip, state)
        drawn: set[tuple[int, int]] = set()
        for index, mark in enumerate(state.marks):
            # However many marks, at most one drawing per pixel column (a long job's
            # hundreds of marks must not slow scrubbing down).
            spot = (round(timeline.x_of(mark.start)), round(timeline.x_of(mark.end or -1.0)))
            if spot in drawn and index != state.selected:
                continue
            drawn.add(spot)
            self._paint_mark(painter, timeline, strip, lane, mark, index == state.selected)

    def _paint_in_out(
        self, painter: QPainter, timeline: Timeline, strip: QRect, state: LayerState
    ) -> None:
        top, bottom = strip.top(), strip.bottom() + 1
        if state.in_point is not None and state.out_point is not None:
            left, right = timeline.x_of(state.in_point), timeline.x_of(state.out_point)
            width = max(1.0, right - left)
            shade = QColor(IN_OUT_COLOR)
            shade.setAlpha(55)
            painter.fillRect(QRectF(left, top, width, bottom - top), shade)
            # A band along the strip's top edge: the range reads on any picture.
            painter.fillRect(QRectF(left, top, width, 4), IN_OUT_COLOR)
        painter.setPen(QPen(IN_OUT_COLOR, 2))
        for t, side in ((state.in_point, 1), (state.out_point, -1)):
            if t is None:
                continue
            x = timeline.x_of(t)
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))
            for y in (top + 1, bottom - 1):  # the bracket's arms point into the range
                painter.drawLine(QPointF(x, y), QPointF(x + 5 * side, y))

    def _paint_mark(
        self,
        painter: QPainter,
        timeline: Timeline,
        strip: QRect,
        lane: QRectF,
        mark: Mark,
        selected: bool,
    ) -> None:
        color = QColor(MARK_COLOR)
        if not selected:
            color.setAlpha(200)
        outline = QColor(255, 255, 255, 230) if selected else Qt.GlobalColor.transparent
        x = timeline.x_of(mark.start)
        middle = lane.center().y()
        if mark.end is not None:
            right = timeline.x_of(mark.end)
            bar = QRectF(x, lane.top() + 2, max(3.0, right - x), lane.height() - 4)
            painter.setPen(QPen(outline, 1.5))
            painter.setBrush(color)
            painter.drawRoundedRect(bar, 3, 3)
            return
        line = QColor(color)
        line.setAlpha(170)
        painter.setPen(QPen(line, 1))
        painter.drawLine(QPointF(x, strip.top()), QPointF(x, strip.bottom() + 1))
        size = lane.height() / 2 - 0.5
        diamond = QPolygonF(
            [
                QPointF(x, middle - size),
                QPointF(x + size, middle),
                QPointF(x, middle + size),
                QPointF(x - size, middle),
            ]
        )
        painter.setPen(QPen(outline, 1.5))
        painter.setBrush(color)
        painter.drawPolygon(diamond)

    def mark_at(self, timeline: Timeline, point: QPointF) -> int | None:
        """The mark drawn at ``point`` in the lane (a marker before a range under it)."""
        state = self._state()
        lane = timeline.lane_rect().adjusted(0, -2, 0, 2)
        if state is None or not lane.contains(point):
            return None
        x = point.x()
        best: tuple[float, int] | None = None
        for index, mark in enumerate(state.marks):
            left = timeline.x_of(mark.start)
            if mark.end is None:
                distance = abs(x - left)
                if distance <= _HIT and (best is None or distance < best[0]):
                    best = (distance, index)
            elif left - 1 <= x <= timeline.x_of(mark.end) + 1 and best is None:
                best = (_HIT, index)
        return best[1] if best is not None else None
