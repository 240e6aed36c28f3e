"""How a queue row looks: thumbnail, name, facts, status, progress with elapsed time and
ETA, and the row's action buttons (which it also hit-tests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QEvent, QLocale, QModelIndex, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from core.layout import frame_relpath
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, RUNNING
from core.timefmt import format_clock

from ..backends import backend
from ..icons import draw_icon
from ..preview.frame_view import CANVAS, CANVAS_TEXT
from ..preview.image_cache import ImageCache, ImageKey
from .entry import PAUSED, QUEUED, SNIPPETS, STREAMING, UPLOAD, QueueEntry
from .model import ENTRY_ROLE

ROW_H = 92
PAD = 10
THUMB = QSize(96, 54)
BUTTON = 28
BAR_H = 6

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ELIDE = Qt.TextElideMode.ElideRight

STATUS_TEXT = {
    QUEUED: "Waiting",
    RUNNING: "Running",
    PAUSED: "Paused",
    DONE: "Done",
    PARTIAL: "Partly done",
    FAILED: "Failed",
    CANCELLED: "Stopped",
}
STATUS_COLOR = {
    RUNNING: QColor("#2f80ed"),
    QUEUED: QColor("#7a828c"),
    PAUSED: QColor("#c98a0b"),
    DONE: QColor("#2e9d5b"),
    PARTIAL: QColor("#c98a0b"),
    FAILED: QColor("#d64545"),
}

ACTION_TEXT = {
    "pause": "Pause",
    "resume": "Resume",
    "cancel": "Stop",
    "retry": "Retry failed snippets",
    "reveal": "Show output folder",
    "remove": "Remove from queue",
}
_ICON = {
    "pause": "pause",
    "resume": "play",
    "cancel": "cancel",
    "retry": "retry",
    "reveal": "folder",
    "remove": "remove",
}


def row_actions(entry: QueueEntry, can_pause: bool) -> list[str]:
    """The buttons a row offers in its state, left to right."""
    if entry.status == RUNNING:
        return (["pause"] if can_pause else []) + ["cancel"]
    if entry.status == PAUSED:
        return ["resume", "cancel"]
    actions = []
    if entry.status in (FAILED, PARTIAL, CANCELLED) and entry.input is not None:
        actions.append("retry")
    if entry.job_dir is not None:
        actions.append("reveal")
    if entry.status == QUEUED:
        actions.append("cancel")
    return [*actions, "remove"]


def thumbnail_key(entry: QueueEntry) -> ImageKey | None:
    if entry.job_dir is None:
        return None
    return ImageKey.of(Path(entry.job_dir) / frame_relpath(0), THUMB * 2)


class QueueDelegate(QStyledItemDelegate):
    actionTriggered = Signal(str, str)  # entry id, action

    def __init__(self, cache: ImageCache, can_pause, parent=None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._can_pause = can_pause
        self.hover_pos: QPointF | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(360, ROW_H)

    # -- geometry -------------------------------------------------------------------------

    def button_rects(self, rect: QRect, entry: QueueEntry) -> list[tuple[str, QRectF]]:
        actions = row_actions(entry, self._can_pause(entry))
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

        thumb = QRect(
            rect.left() + PAD + 2,
            rect.top() + (rect.height() - THUMB.height()) // 2,
            THUMB.width(),
            THUMB.height(),
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
        key = thumbnail_key(entry)
        image = self._cache.get(key) if key else None
        if key is not None and image is None and entry.done:
            self._cache.request([key])
        if image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            target = QRectF(rect)
            scale = min(target.width() / image.width(), target.height() / image.height())
            box = QRectF(0, 0, image.width() * scale, image.height() * scale)
            box.moveCenter(target.center())
            painter.drawImage(box, image)
        else:
            draw_icon(painter, "film", QRectF(rect).adjusted(34, 13, -34, -13), CANVAS_TEXT)

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

        # Line 2: facts about the video.
        painter.setFont(small)
        metrics = painter.fontMetrics()
        line_h = metrics.height()
        line2 = QRect(rect.left(), top + 21, rect.width(), line_h)
        painter.setPen(secondary)
        facts = " · ".join(_facts(entry))
        painter.drawText(line2, _LEFT, metrics.elidedText(facts, _ELIDE, rect.width()))

        # A job that failed as a whole has no progress to show: its error takes the room.
        error = _error_text(entry)
        if error and entry.fraction == 0 and entry.status == FAILED:
            painter.setPen(STATUS_COLOR[FAILED])
            box = QRect(rect.left(), line2.bottom() + 4, rect.width(), 2 * line_h + 2)
            painter.drawText(
                box, _LEFT | Qt.TextFlag.TextWordWrap, _elide_lines(metrics, error, rect.width(), 2)
            )
            return

        # Line 3: progress bar and percentage, in columns that line up from row to row.
        # A job that uploads first shows the upload's progress, then the snippets'.
        fraction = entry.uploading if entry.uploading is not None else entry.fraction
        percent = f"{fraction:.0%}"
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
            percent,
        )

        # Line 4: time, or what went wrong.
        line4 = QRect(rect.left(), round(bar.bottom()) + 5, rect.width(), line_h)
        if error:
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
        draw_icon(painter, _ICON[action], box.adjusted(6, 6, -6, -6), color)

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
            QToolTip.showText(event.globalPos(), ACTION_TEXT[action], view)
            return True
        return super().helpEvent(event, view, option, index)


def _facts(entry: QueueEntry) -> list[str]:
    facts = []
    if entry.duration:
        facts.append(format_clock(entry.duration))
    if entry.width and entry.height:
        facts.append(f"{entry.width}×{entry.height}")
    if entry.total:
        facts.append(f"{entry.done}/{entry.total} snippets")
    facts.append(backend(entry.backend).short_label)
    return facts


def status_text(entry: QueueEntry) -> str:
    """The status chip's word: a running job that is uploading says so."""
    if entry.status == RUNNING and entry.phase in (UPLOAD, STREAMING):
        return "Uploading"
    return STATUS_TEXT.get(entry.status, entry.status)


def progress_text(entry: QueueEntry) -> str:
    """The line under the progress bar: time so far and left, and for a job that uploads
    first, which phase it is in."""
    if entry.phase == UPLOAD:
        total = _size(entry.upload_total)
        if entry.upload_total and entry.upload_sent >= entry.upload_total:
            return f"Uploaded {total} · starting in the cloud…"
        return f"Uploading the video · {_size(entry.upload_sent)} of {total}"
    if entry.phase == STREAMING:  # the bar shows the snippets rendered meanwhile
        return f"Uploading segments · {_size(entry.upload_sent)} of ~{_size(entry.upload_total)}"
    elapsed = entry.elapsed_now()
    if entry.status in (RUNNING, PAUSED):
        parts = [f"{format_clock(elapsed)} elapsed"]
        if entry.phase == SNIPPETS:
            parts.insert(0, "Rendering snippets")
        if entry.status == RUNNING:
            parts.append("estimating…" if entry.eta is None else f"{format_clock(entry.eta)} left")
        return " · ".join(parts)
    if entry.status == DONE and elapsed >= 1:
        return f"Took {format_clock(elapsed)}"
    if entry.status == QUEUED:
        return "Waiting to start"
    return ""


def _size(count: int) -> str:
    return QLocale().formattedDataSize(count, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def _error_text(entry: QueueEntry) -> str:
    """The entry's error without the file name the row already shows."""
    error = entry.error or ""
    prefix = f"{entry.name}: "
    return error[len(prefix) :] if error.startswith(prefix) else error


def _elide_lines(metrics, text: str, width: int, lines: int) -> str:
    """``text`` cut to what fits in ``lines`` wrapped lines (ending with …)."""
    if metrics.horizontalAdvance(text) <= width * lines * 0.9:
        return text
    return metrics.elidedText(text, _ELIDE, round(width * lines * 0.9))


def queue_summary(entries: Iterable[QueueEntry], held: bool) -> str:
    """The status bar's one-line account of the queue."""
    counts = Counter(entry.status for entry in entries)
    order = (RUNNING, PAUSED, QUEUED, DONE, PARTIAL, FAILED, CANCELLED)
    parts = [f"{counts[s]} {STATUS_TEXT[s].lower()}" for s in order if counts[s]]
    if held:
        parts.insert(0, "Queue paused")
    return "  ·  ".join(parts) or "Queue empty"
