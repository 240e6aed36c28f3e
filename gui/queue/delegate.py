"""How a queue row looks: poster, name, facts, status, progress with elapsed time and ETA,
and the row's action buttons (which it also hit-tests). Its words come from
:mod:`gui.queue.texts`, its buttons from :mod:`gui.queue.actions`."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, RUNNING

from ..icons import draw_icon
from ..preview.frame_view import CANVAS, CANVAS_TEXT, fitted
from ..preview.image_cache import ImageCache, ImageKey
from .actions import ROW_ACTIONS, row_buttons
from .entry import BUSY, PAUSED, QUEUED, UNREADABLE, QueueEntry
from .model import ENTRY_ROLE
from .texts import (
    STALE_TEXT,
    error_text,
    facts,
    percent_text,
    progress_text,
    shown_fraction,
    status_text,
)

ROW_H = 92
PAD = 10
THUMB = QSize(96, 54)
NARROW = 340  # a row narrower than this draws a smaller picture
BUTTON = 28
BAR_H = 6

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ELIDE = Qt.TextElideMode.ElideRight

STATUS_COLOR = {
    RUNNING: QColor("#2f80ed"),
    QUEUED: QColor("#7a828c"),
    PAUSED: QColor("#c98a0b"),
    DONE: QColor("#2e9d5b"),
    PARTIAL: QColor("#c98a0b"),
    FAILED: QColor("#d64545"),
    UNREADABLE: QColor("#d64545"),
    BUSY: QColor("#c98a0b"),
    CANCELLED: QColor("#7a828c"),
}
NOTE_COLOR = QColor("#c98a0b")  # settings that changed, a job that cannot pause


def thumbnail_key(entry: QueueEntry) -> ImageKey | None:
    """The row's picture: the entry's poster, decoded at twice the box (sharp on HiDPI)."""
    if entry.poster is None:
        return None
    return ImageKey.of(entry.poster, THUMB * 2)


class QueueDelegate(QStyledItemDelegate):
    actionTriggered = Signal(str, str)  # entry id, action

    def __init__(
        self,
        cache: ImageCache,
        can_pause: Callable[[QueueEntry], bool],
        is_stale: Callable[[QueueEntry], bool] = lambda _entry: False,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self._can_pause = can_pause
        self._is_stale = is_stale
        self.hover_pos: QPointF | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(200, ROW_H)  # as wide as the list: the text is elided to fit

    # -- geometry -------------------------------------------------------------------------

    def button_rects(self, rect: QRect, entry: QueueEntry) -> list[tuple[str, QRectF]]:
        actions = row_buttons(entry, self._can_pause(entry))
        right = rect.right() - PAD + 1
        top = rect.top() + PAD - 2
        rects = []
        for i, action in enumerate(reversed(actions)):
            left = right - (i + 1) * BUTTON - i * 2
            rects.append((action, QRectF(left, top, BUTTON, BUTTON)))
        return list(reversed(rects))

    # -- painting -------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        entry: QueueEntry = index.data(ENTRY_ROLE)
        palette = option.palette
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(48)
            painter.fillRect(rect, fill)
            painter.fillRect(
                QRect(rect.left(), rect.top(), 3, rect.height()),
                palette.color(QPalette.ColorRole.Highlight),
            )
        elif option.state & QStyle.StateFlag.State_MouseOver:
            fill = QColor(palette.color(QPalette.ColorRole.Text))
            fill.setAlpha(12)
            painter.fillRect(rect, fill)
        line = QColor(palette.color(QPalette.ColorRole.Text))
        line.setAlpha(28)
        painter.fillRect(QRect(rect.left(), rect.bottom(), rect.width(), 1), line)
        if option.state & QStyle.StateFlag.State_HasFocus:
            # The keyboard's place in the list, whether or not it is selected.
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(rect).adjusted(2, 2, -2, -3), 4, 4)

        size = THUMB if rect.width() >= NARROW else THUMB * (2 / 3)  # room for the name
        thumb = QRect(
            rect.left() + PAD + 2,
            rect.top() + (rect.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )
        self._paint_thumb(painter, thumb, entry)

        buttons = self.button_rects(rect, entry)
        text_left = thumb.right() + 12
        text_right = (buttons[0][1].left() if buttons else rect.right()) - 8
        self._paint_text(
            painter,
            palette,
            QRect(text_left, rect.top(), text_right - text_left, rect.height()),
            entry,
        )
        for action, box in buttons:
            self._paint_button(painter, palette, action, box)
        painter.restore()

    def _paint_thumb(self, painter: QPainter, rect: QRect, entry: QueueEntry) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(CANVAS)
        painter.drawRoundedRect(rect, 4, 4)
        key = thumbnail_key(entry) if entry.status != UNREADABLE else None
        image = self._cache.get(key) if key else None
        if key is not None and image is None:
            self._cache.request([key])
        if image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(fitted(QRectF(rect), image), image)  # its own shape, centred
        else:
            icon = QRectF(0, 0, 28, 28)
            icon.moveCenter(QRectF(rect).center())
            draw_icon(painter, "film", icon, CANVAS_TEXT)

    def _paint_text(
        self, painter: QPainter, palette: QPalette, rect: QRect, entry: QueueEntry
    ) -> None:
        text = palette.color(QPalette.ColorRole.Text)
        secondary = palette.color(QPalette.ColorRole.PlaceholderText)
        base_font = QFont(painter.font())
        bold = QFont(base_font)
        bold.setBold(True)
        small = QFont(base_font)
        small.setPointSizeF(base_font.pointSizeF() * 0.9)

        # Line 1: name, and the status chip after it.
        status = status_text(entry)
        chip_font = QFont(small)
        chip_font.setBold(True)
        painter.setFont(chip_font)
        chip_w = painter.fontMetrics().horizontalAdvance(status) + 14
        chip_h = painter.fontMetrics().height() + 2
        top = rect.top() + PAD - 1
        painter.setFont(bold)
        metrics = painter.fontMetrics()
        name_w = rect.width() - chip_w - 8
        name = metrics.elidedText(entry.name, Qt.TextElideMode.ElideMiddle, max(10, name_w))
        painter.setPen(text)
        painter.drawText(
            QRect(rect.left(), top, name_w, metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            name,
        )
        chip = QRectF(
            rect.left() + metrics.horizontalAdvance(name) + 8,
            top + (metrics.height() - chip_h) / 2,
            chip_w,
            chip_h,
        )
        color = STATUS_COLOR.get(entry.status, secondary)
        fill = QColor(color)
        fill.setAlpha(40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(chip, chip_h / 2, chip_h / 2)
        painter.setFont(chip_font)
        painter.setPen(color)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, status)

        # Line 2: a job made with other settings says so first; then facts about the video.
        painter.setFont(small)
        metrics = painter.fontMetrics()
        line_h = metrics.height()
        line2 = QRect(rect.left(), top + 21, rect.width(), line_h)
        left = line2.left()
        if self._is_stale(entry):
            note = STALE_TEXT + " · "
            painter.setPen(NOTE_COLOR)
            painter.drawText(line2, _LEFT, note)
            left += metrics.horizontalAdvance(note)
        painter.setPen(secondary)
        room = QRect(left, line2.top(), line2.right() - left, line_h)
        painter.drawText(
            room, _LEFT, metrics.elidedText(" · ".join(facts(entry)), _ELIDE, room.width())
        )

        # A job that failed as a whole, or waits for another FrameFan, has no progress to
        # show: what it says takes the room.
        error = error_text(entry)
        failed = entry.status == UNREADABLE or (
            entry.status == FAILED and (entry.rejected or entry.fraction == 0)
        )
        if error and (failed or entry.status == BUSY):
            painter.setPen(STATUS_COLOR[BUSY if entry.status == BUSY else FAILED])
            box = QRect(rect.left(), line2.bottom() + 4, rect.width(), 2 * line_h + 2)
            painter.drawText(
                box, _LEFT | Qt.TextFlag.TextWordWrap, _elide_lines(metrics, error, rect.width(), 2)
            )
            return

        # Line 3: progress bar and percentage, in columns that line up from row to row.
        # A job that uploads first shows the upload's progress, then the snippets'.
        fraction = shown_fraction(entry)
        percent_w = metrics.horizontalAdvance("100%") + 8
        bar = QRectF(rect.left(), line2.bottom() + 9, rect.width() - percent_w, BAR_H)
        track = QColor(text)
        track.setAlpha(30)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(bar, BAR_H / 2, BAR_H / 2)
        if fraction > 0:
            done = QRectF(
                bar.left(), bar.top(), max(BAR_H, bar.width() * min(1.0, fraction)), BAR_H
            )
            painter.setBrush(STATUS_COLOR.get(entry.status, secondary))
            painter.drawRoundedRect(done, BAR_H / 2, BAR_H / 2)
        painter.setPen(secondary)
        painter.drawText(
            QRectF(bar.right(), bar.top() - 6, percent_w, BAR_H + 12),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            percent_text(entry),
        )

        # Line 4: a remark on the job, what went wrong, or time.
        line4 = QRect(rect.left(), round(bar.bottom()) + 5, rect.width(), line_h)
        if entry.notice:
            painter.setPen(NOTE_COLOR)
            painter.drawText(line4, _LEFT, metrics.elidedText(entry.notice, _ELIDE, rect.width()))
        elif error:
            painter.setPen(STATUS_COLOR[FAILED])
            painter.drawText(line4, _LEFT, metrics.elidedText(error, _ELIDE, rect.width()))
        else:
            painter.drawText(
                line4, _LEFT, metrics.elidedText(progress_text(entry), _ELIDE, rect.width())
            )

    def _paint_button(self, painter: QPainter, palette: QPalette, action: str, box: QRectF) -> None:
        hovered = self.hover_pos is not None and box.contains(self.hover_pos)
        color = QColor(palette.color(QPalette.ColorRole.Text))
        if hovered:
            fill = QColor(color)
            fill.setAlpha(30)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 5, 5)
        else:
            color.setAlpha(170)
        icon = ROW_ACTIONS[action].icon
        if icon is not None:
            draw_icon(painter, icon, box.adjusted(6, 6, -6, -6), color)

    # -- clicks ---------------------------------------------------------------------------

    def action_at(self, rect: QRect, entry: QueueEntry, pos: QPointF) -> str | None:
        return next((a for a, box in self.button_rects(rect, entry) if box.contains(pos)), None)

    def editorEvent(
        self, event: QEvent, model, option: QStyleOptionViewItem, index: QModelIndex
    ) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            entry: QueueEntry = index.data(ENTRY_ROLE)
            action = self.action_at(option.rect, entry, event.position())
            if action is not None and event.button() == Qt.MouseButton.LeftButton:
                self.actionTriggered.emit(entry.id, action)
                return True
        return super().editorEvent(event, model, option, index)

    def helpEvent(self, event, view, option, index) -> bool:
        entry: QueueEntry = index.data(ENTRY_ROLE)
        action = self.action_at(option.rect, entry, QPointF(event.pos()))
        if action is not None:
            QToolTip.showText(event.globalPos(), ROW_ACTIONS[action].text, view)
            return True
        return super().helpEvent(event, view, option, index)


def _elide_lines(metrics, text: str, width: int, lines: int) -> str:
    """``text`` cut to what fits in ``lines`` wrapped lines (ending with …)."""
    if metrics.horizontalAdvance(text) <= width * lines * 0.9:
        return text
    return metrics.elidedText(text, _ELIDE, round(width * lines * 0.9))
