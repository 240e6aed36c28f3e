"""The app's icons, drawn as simple vector shapes in any colour, so they follow the palette
and stay sharp at every scale."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

NAMES = (
    "add", "add-folder", "open-job", "settings", "play", "pause", "cancel", "retry",
    "folder", "remove", "film", "keyboard", "step-back", "step-forward",
)  # fmt: skip


def draw_icon(painter: QPainter, name: str, rect: QRectF, color: QColor) -> None:
    """Draw icon ``name`` inside ``rect`` (best square)."""
    size = min(rect.width(), rect.height())
    box = QRectF(0, 0, size, size)
    box.moveCenter(rect.center())
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(box.topLeft())
    painter.scale(size / 24, size / 24)  # shapes below are drawn on a 24 × 24 grid
    pen = QPen(
        color, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _SHAPES[name](painter, color)
    painter.restore()


def make_icon(name: str, color: QColor, size: int = 24) -> QIcon:
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        draw_icon(painter, name, QRectF(0, 0, size * scale, size * scale), color)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        icon.addPixmap(pixmap)
    return icon


class TintedIcons:
    """Icons drawn in the window's text colour, kept so that they can all be drawn again
    in a new colour when the palette changes (light to dark, and back)."""

    def __init__(self, color: QColor) -> None:
        self._color = QColor(color)
        self._names: dict[int, tuple[object, str]] = {}  # id(target) -> (target, icon name)

    @property
    def color(self) -> QColor:
        return QColor(self._color)

    def set(self, target, name: str) -> None:
        """Give ``target`` (a QAction or a button) the icon ``name`` in the current colour."""
        if self.name_of(target) == name:
            return  # drawn already (this is called on every change of the queue)
        self._names[id(target)] = (target, name)
        target.setIcon(make_icon(name, self._color))

    def name_of(self, target) -> str | None:
        entry = self._names.get(id(target))
        return entry[1] if entry else None

    def retint(self, color: QColor) -> bool:
        """Draw every icon again in ``color``; False when it is the colour already used."""
        if QColor(color) == self._color:
            return False
        self._color = QColor(color)
        for target, name in self._names.values():
            target.setIcon(make_icon(name, self._color))
        return True


APP_COLOR = QColor("#2f80ed")
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_image(size: int) -> QImage:
    """FrameFan's own icon at ``size`` pixels: the film glyph in white on a blue rounded
    square. A QImage, so that it renders without a display (for the desktop's menu entry)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(APP_COLOR)
    margin, inset = size * 0.06, size * 0.2
    tile = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.drawRoundedRect(tile, size * 0.2, size * 0.2)
    glyph = QRectF(inset, inset, size - 2 * inset, size - 2 * inset)
    draw_icon(painter, "film", glyph, QColor("white"))
    painter.end()
    return image


def app_icon() -> QIcon:
    """The window's and the tray's icon, drawn for each size a desktop asks for."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        icon.addPixmap(QPixmap.fromImage(app_image(size)))
    return icon


def _plus(p: QPainter, cx: float = 12, cy: float = 12, r: float = 7) -> None:
    p.drawLine(QPointF(cx - r, cy), QPointF(cx + r, cy))
    p.drawLine(QPointF(cx, cy - r), QPointF(cx, cy + r))


def _folder_path() -> QPainterPath:
    path = QPainterPath()
    path.moveTo(3, 6.5)
    path.lineTo(9.5, 6.5)
    path.lineTo(11.5, 8.5)
    path.lineTo(21, 8.5)
    path.lineTo(21, 19)
    path.lineTo(3, 19)
    path.closeSubpath()
    return path


def _add(p: QPainter, color: QColor) -> None:
    _plus(p)


def _add_folder(p: QPainter, color: QColor) -> None:
    p.drawPath(_folder_path())
    _plus(p, 12, 13.5, 3)


def _folder(p: QPainter, color: QColor) -> None:
    p.drawPath(_folder_path())


def _film(p: QPainter, color: QColor) -> None:
    p.drawRoundedRect(QRectF(4, 4, 16, 16), 2, 2)
    p.drawLine(QPointF(8, 4), QPointF(8, 20))
    p.drawLine(QPointF(16, 4), QPointF(16, 20))
    p.drawLine(QPointF(4, 12), QPointF(20, 12))


def _open_job(p: QPainter, color: QColor) -> None:
    _film(p, color)


def _settings(p: QPainter, color: QColor) -> None:
    for k in range(8):
        angle = k * math.pi / 4
        inner, outer = 7.0, 10.0
        p.drawLine(
            QPointF(12 + inner * math.cos(angle), 12 + inner * math.sin(angle)),
            QPointF(12 + outer * math.cos(angle), 12 + outer * math.sin(angle)),
        )
    p.drawEllipse(QPointF(12, 12), 6.5, 6.5)
    p.drawEllipse(QPointF(12, 12), 2.5, 2.5)


def _play(p: QPainter, color: QColor) -> None:
    p.setBrush(color)
    p.drawPolygon(QPolygonF([QPointF(8, 5), QPointF(19, 12), QPointF(8, 19)]))


def _pause(p: QPainter, color: QColor) -> None:
    p.setBrush(color)
    p.drawRoundedRect(QRectF(7, 5.5, 3, 13), 0.8, 0.8)
    p.drawRoundedRect(QRectF(14, 5.5, 3, 13), 0.8, 0.8)


def _cancel(p: QPainter, color: QColor) -> None:
    p.drawLine(QPointF(7, 7), QPointF(17, 17))
    p.drawLine(QPointF(17, 7), QPointF(7, 17))


def _retry(p: QPainter, color: QColor) -> None:
    p.drawArc(QRectF(5, 5, 14, 14), 90 * 16, 270 * 16)
    p.setBrush(color)
    p.drawPolygon(QPolygonF([QPointF(12, 2.5), QPointF(16, 5), QPointF(12, 7.5)]))


def _remove(p: QPainter, color: QColor) -> None:
    p.drawLine(QPointF(4.5, 7), QPointF(19.5, 7))
    p.drawLine(QPointF(9.5, 7), QPointF(10, 4.5))
    p.drawLine(QPointF(10, 4.5), QPointF(14, 4.5))
    p.drawLine(QPointF(14, 4.5), QPointF(14.5, 7))
    path = QPainterPath()
    path.moveTo(6.5, 7)
    path.lineTo(7.5, 20)
    path.lineTo(16.5, 20)
    path.lineTo(17.5, 7)
    p.drawPath(path)


def _keyboard(p: QPainter, color: QColor) -> None:
    p.drawRoundedRect(QRectF(2.5, 6, 19, 12), 2, 2)
    p.drawLine(QPointF(7, 14.5), QPointF(17, 14.5))
    for x in (6.5, 10, 13.5, 17):
        p.drawPoint(QPointF(x, 10))


def _step_back(p: QPainter, color: QColor) -> None:
    p.drawLine(QPointF(7, 6), QPointF(7, 18))
    p.setBrush(color)
    p.drawPolygon(QPolygonF([QPointF(18, 6), QPointF(18, 18), QPointF(10, 12)]))


def _step_forward(p: QPainter, color: QColor) -> None:
    p.drawLine(QPointF(17, 6), QPointF(17, 18))
    p.setBrush(color)
    p.drawPolygon(QPolygonF([QPointF(6, 6), QPointF(6, 18), QPointF(14, 12)]))


_SHAPES = {
    "add": _add,
    "add-folder": _add_folder,
    "open-job": _open_job,
    "settings": _settings,
    "play": _play,
    "pause": _pause,
    "cancel": _cancel,
    "retry": _retry,
    "folder": _folder,
    "remove": _remove,
    "film": _film,
    "keyboard": _keyboard,
    "step-back": _step_back,
    "step-forward": _step_forward,
}
assert set(_SHAPES) == set(NAMES)
