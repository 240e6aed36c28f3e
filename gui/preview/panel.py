"""The preview of the selected job: large frame at the current position, the current
snippet's GIF beside it, the timeline below; updated live as snippets finish."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.manifest import DONE, FAILED
from core.timefmt import format_clock

from .frame_view import FrameView
from .gif_view import GifView
from .hover import THUMB, HoverPreview
from .image_cache import ImageCache, ImageKey
from .timeline import Timeline
from .timeline_model import TimelineModel

# Stills decoded ahead of the playhead (a held key then finds them ready), when it moves by
# at most PREFETCH_STEP stills at a time.
PREFETCH = 3
PREFETCH_STEP = 2
# The GIF follows the playhead once it rests this long: creating a movie for every snippet
# crossed during a fast drag would only slow the drag down.
GIF_SETTLE_MS = 120


class PreviewPanel(QWidget):
    def __init__(self, cache: ImageCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._model: TimelineModel | None = None
        self._hover_key: ImageKey | None = None
        self._last_t = 0.0

        self.title = QLabel()
        self.title.setObjectName("previewTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clock = QLabel()
        self.clock.setObjectName("previewClock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Wide enough for any time and speed, so that ticking never resizes the layout.
        self.clock.setMinimumWidth(
            self.clock.fontMetrics().horizontalAdvance("◀ 64×   0:00:00 / 0:00:00") + 24
        )
        self.frame_view = FrameView()
        self.gif_view = GifView()
        self.details = QLabel()
        self.details.setObjectName("secondaryText")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.timeline = Timeline(cache)
        self.hover = HoverPreview(self)
        self._gif_timer = QTimer(self)
        self._gif_timer.setSingleShot(True)
        self._gif_timer.setInterval(GIF_SETTLE_MS)
        self._gif_timer.timeout.connect(self._show_gif)

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.clock)
        side = QVBoxLayout()
        side.setSpacing(10)
        side.addWidget(_section("Snippet GIF"))
        side.addWidget(self.gif_view)
        side.addSpacing(6)
        side.addWidget(_section("Job"))
        side.addWidget(self.details)
        side.addStretch(1)
        self.side = side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(self.gif_view.minimumSizeHint().width() + 20)
        middle = QHBoxLayout()
        middle.setSpacing(14)
        middle.addWidget(self.frame_view, 1)
        middle.addWidget(side_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addLayout(middle, 1)
        layout.addWidget(self.timeline)

        self.timeline.positionChanged.connect(self._show_position)
        self.timeline.hoverChanged.connect(self._show_hover)
        self.timeline.playingChanged.connect(lambda _speed: self._update_clock())
        cache.loaded.connect(self._on_loaded)
        self.show_message("Select a job in the queue, or drop videos on the window.")

    def minimumSizeHint(self) -> QSize:
        return QSize(520, 360)

    # -- what is shown --------------------------------------------------------------------

    def model(self) -> TimelineModel | None:
        return self._model

    def job_dir(self) -> Path | None:
        return self._model.job_dir if self._model else None

    def show_message(self, message: str, title: str = "") -> None:
        """No job to show: say why."""
        self._model = None
        self.side.hide()  # nothing to tell about no job
        self._gif_timer.stop()
        self.timeline.set_model(None)
        self.title.setText(title)
        self.clock.setText("")
        self.details.setText("")
        self.frame_view.set_image(None, message)
        self.gif_view.set_gif(None, "", "")

    def set_job(self, model: TimelineModel, position: float | None = None) -> None:
        """Show a job; keeps the position when it is the job already shown."""
        same = self._model is not None and self._model.job_dir == model.job_dir
        keep = self.timeline.position() if same else 0.0
        self._model = model
        self.side.show()
        self.title.setText(model.name)
        self.timeline.set_model(model)
        t = keep if position is None else position
        self.timeline.set_position(t)
        self._show_position(self.timeline.position())
        self._gif_timer.stop()
        self._show_gif()

    def mark_snippet(self, index: int, status: str) -> None:
        """A snippet of the shown job changed state (e.g. finished while the job runs)."""
        model = self._model
        if model is None:
            return
        model.mark(index, status)
        self.timeline.update()
        if model.snippet_at(self.timeline.position()) == index:
            self._show_position(self.timeline.position())
        else:
            self._update_details()

    def mark_side(self, index: int, side: str) -> None:
        """A snippet of the shown job was rendered here or on AWS (a job using both)."""
        if self._model is None:
            return
        self._model.mark_side(index, side)
        self.timeline.update()
        self._update_details()

    def set_position(self, t: float) -> None:
        self.timeline.set_position(t)

    def position(self) -> float:
        return self.timeline.position()

    def shutdown(self) -> None:
        self._gif_timer.stop()
        self.timeline.stop()
        self.gif_view.stop()

    # -- reacting -------------------------------------------------------------------------

    def _show_position(self, t: float) -> None:
        model = self._model
        if model is None:
            return
        step, self._last_t = t - self._last_t, t
        n = model.frame_at(t)
        snippet = model.snippet_at(t)
        path = model.frame_path(n) if n is not None else None
        if path is not None:
            image = self._cache.load_now(ImageKey.of(path))
            self.frame_view.set_image(image, "" if image else f"Cannot read {path.name}")
            self._prefetch(model, n, step)
        else:
            self.frame_view.set_image(None, _not_rendered(model, snippet))
        if abs(step) > model.settings.snippet_seconds / 2 or self.gif_view.path() is None:
            self._gif_timer.start()  # moving fast (or nothing showing): wait until it rests
        else:
            self._show_gif()
        self._update_clock()
        self._update_details()

    def _show_gif(self) -> None:
        model = self._model
        if model is None:
            return
        snippet = model.snippet_at(self.timeline.position())
        start, end = model.starts[snippet], model.snippet_end(snippet)
        span = f"{_clock(start)}–{_clock(end)}"
        caption = f"Snippet {snippet + 1} of {model.snippet_count} · {span}"
        side = model.side(snippet)
        if side:
            caption += "\nrendered " + ("on AWS" if side == "lambda" else "here")
        self.gif_view.set_gif(model.gif_path(snippet), caption, _not_rendered(model, snippet))

    def _prefetch(self, model: TimelineModel, n: int | None, step: float) -> None:
        """Decode the next stills in the direction of travel while the user steps through
        the video (a held key, a slow drag). Jumps and fast drags prefetch nothing: the
        next position cannot be guessed, and decoding for nothing slows the one needed."""
        interval = model.settings.frame_interval
        if n is None or step == 0 or abs(step) > PREFETCH_STEP * interval:
            return
        direction = 1 if step > 0 else -1
        keys = []
        for k in range(PREFETCH, 0, -1):  # the nearest is requested last: decoded first
            m = n + direction * k
            path = model.frame_path(m) if 0 <= m < model.frame_count else None
            if path is not None:
                keys.append(ImageKey.of(path))
        self._cache.request(keys)

    def _update_clock(self) -> None:
        model = self._model
        if model is None:
            return
        text = f"{_clock(self.timeline.position())} / {_clock(model.duration)}"
        speed = self.timeline.speed()
        if speed:
            text = f"{'▶' if speed > 0 else '◀'} {abs(speed)}×   {text}"
        _set_text(self.clock, text)

    def _update_details(self) -> None:
        model = self._model
        if model is None:
            return
        done, failed = model.counts()
        lines = [
            f"{model.width}×{model.height} · {_clock(model.duration)}",
            f"{done} of {model.snippet_count} snippets rendered"
            + (f", {failed} failed" if failed else ""),
            f"{model.frame_count} stills every {model.settings.frame_interval:g} s",
        ]
        sides = model.side_counts()
        if sides is not None:
            lines.append(f"Rendered here: {sides[0]} · on AWS: {sides[1]}")
        _set_text(self.details, "\n".join(lines))

    def _show_hover(self, t: float | None) -> None:
        model = self._model
        anchor = self.timeline.hover_anchor()
        if t is None or model is None or anchor is None:
            self.hover.hide()
            self._hover_key = None
            return
        n = model.frame_at(t)
        path = model.frame_path(n) if n is not None else None
        image = None
        self._hover_key = None
        if path is not None:
            size = THUMB.scaled(
                QSize(round(THUMB.height() * model.aspect), THUMB.height()),
                Qt.AspectRatioMode.KeepAspectRatio,
            )
            key = ImageKey.of(path, size)
            image = self._cache.get(key)
            if image is None:
                self._hover_key = key
                self._cache.request([key])
        point = self.timeline.mapTo(self, anchor.toPoint())
        self.hover.show_at(QPoint(point.x(), point.y()), image, _clock(t))

    def _on_loaded(self, key: ImageKey) -> None:
        if key == self._hover_key:
            self.hover.set_image(self._cache.get(key))
            self._hover_key = None


def _not_rendered(model: TimelineModel, snippet: int) -> str:
    status = model.status[snippet]
    if status == FAILED:
        return f"Snippet {snippet + 1} failed; retry the job to render it again."
    if status == DONE:
        return ""
    return f"Snippet {snippet + 1} is not rendered yet."


def _clock(t: float) -> str:
    """A position as players show it: the second it is in (1:29.6 is still 1:29)."""
    return format_clock(math.floor(t + 1e-6))


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:  # an unchanged label must not cost a relayout while scrubbing
        label.setText(text)


def _section(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("sectionTitle")
    return label
