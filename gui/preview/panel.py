"""The preview of the selected job: large still at the current position, the current
snippet's GIF beside it (following the playhead), the timeline below; updated live as
snippets finish and overview pictures arrive. When there is no job to show, the still and
the timeline say why, and what to do.

When the playhead or the pointer rests over a part not rendered yet, :attr:`lookingAt`
says where, so that the job renders that part next."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.manifest import DONE, FAILED

from .frame_view import FrameView
from .gif_view import GifView
from .hover import THUMB, HoverPreview
from .image_cache import ImageCache, ImageKey
from .time_labels import TimeLabels, clock_text
from .timeline import NO_JOB, Timeline
from .timeline_model import TimelineModel

# Stills decoded ahead of the playhead (a held key then finds them ready), when it moves by
# at most PREFETCH_STEP stills at a time.
PREFETCH = 3
PREFETCH_STEP = 2
# A GIF not shown yet is opened once the playhead rests this long, when it got there by a
# jump or a fast drag (opening one for every snippet crossed would only slow the drag down);
# within a GIF, and in playback or stepping, its picture follows at once.
GIF_SETTLE_MS = 120
# The GIF column takes this share of the room beside the still, within these bounds: the
# still stays the larger picture in a small window, and the GIF keeps its size in a large one.
SIDE_SHARE = 0.3
SIDE_MIN = 150
SIDE_MAX = 260
MARGINS = 14
SPACING = 14
# The playhead or the pointer counts as resting over a part once it has stayed this long.
LOOK_REST_MS = 350
SELECT_A_JOB = "Select a job in the queue, or drop videos on the window."


class PreviewPanel(QWidget):
    lookingAt = Signal(float)  # seconds into the video: resting over a part not rendered yet

    def __init__(self, cache: ImageCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._looked_at: float | None = None
        self._model: TimelineModel | None = None
        self._hover_key: ImageKey | None = None
        self._last_t = 0.0
        self._times = TimeLabels()

        self.title = ElidedLabel()
        self.title.setObjectName("previewTitle")
        self.clock = QLabel()
        self.clock.setObjectName("previewClock")
        self.clock.setTextFormat(Qt.TextFormat.PlainText)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clock.setAccessibleName("Playhead position")
        self.transport = QHBoxLayout()
        self.transport.setSpacing(2)
        self._buttons: list[QToolButton] = []
        self.frame_view = FrameView()
        self.gif_view = GifView()
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setObjectName("secondaryText")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.details.setAccessibleName("Job details")
        self.timeline = Timeline(cache)
        self.hover = HoverPreview(self)
        self._gif_timer = QTimer(self)
        self._gif_timer.setObjectName("gifSettle")
        self._gif_timer.setSingleShot(True)
        self._gif_timer.setInterval(GIF_SETTLE_MS)
        self._gif_timer.timeout.connect(self._show_gif_now)
        self._look_timer = QTimer(self)
        self._look_timer.setObjectName("lookRest")
        self._look_timer.setSingleShot(True)
        self._look_timer.setInterval(LOOK_REST_MS)
        self._look_timer.timeout.connect(self._looked)

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addLayout(self.transport)
        header.addSpacing(8)
        header.addWidget(self.clock)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(8)
        side.addWidget(_section("Snippet GIF"))
        side.addWidget(self.gif_view)
        side.addSpacing(6)
        self._job_title = _section("Job")
        side.addWidget(self._job_title)
        side.addWidget(self.details)
        self._side_layout = side
        self._side_stretch = side.count()
        side.addStretch(1)
        self.side = side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(SIDE_MAX)
        self._room_for_job = 0  # the side column's height needed to show the job's details
        side_widget.installEventFilter(self)
        middle = QHBoxLayout()
        middle.setSpacing(SPACING)
        middle.addWidget(self.frame_view, 1)
        middle.addWidget(side_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGINS, 10, MARGINS, 10)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addLayout(middle, 1)
        layout.addWidget(self.timeline)

        self.timeline.positionChanged.connect(self._show_position)
        self.timeline.hoverChanged.connect(self._show_hover)
        self.timeline.playingChanged.connect(lambda _speed: self._update_clock())
        cache.loaded.connect(self._on_loaded)
        self.show_message(SELECT_A_JOB)

    def minimumSizeHint(self) -> QSize:
        return QSize(380, 300)

    def add_transport(self, actions: list[QAction]) -> list[QToolButton]:
        """Buttons for ``actions`` beside the clock (play, step), for the mouse and for Tab."""
        buttons = []
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            self.transport.addWidget(button)
            buttons.append(button)
        self._buttons += buttons
        self._show_transport(self._model is not None)
        return buttons

    def add_side_section(self, title: str, widget: QWidget) -> None:
        """A section below the job's details in the side column, taking the room left."""
        layout = self._side_layout
        layout.takeAt(self._side_stretch)  # the stretch: the section takes the room instead
        layout.addSpacing(6)
        layout.addWidget(_section(title))
        layout.addWidget(widget, 1)

    def set_time_labels(self, times: TimeLabels) -> None:
        """Write times as ``times`` says from now on (source timecode or elapsed time)."""
        self._times = times
        self.timeline.set_time_labels(times)
        if self._model is not None:
            self._fit_clock(self._model)
            self._show_gif_now()
            self._update_clock()

    def time_labels(self) -> TimeLabels:
        return self._times

    def _show_transport(self, shown: bool) -> None:
        for button in self._buttons:
            button.setVisible(shown)

    # -- what is shown --------------------------------------------------------------------

    def model(self) -> TimelineModel | None:
        return self._model

    def job_dir(self) -> Path | None:
        return self._model.job_dir if self._model else None

    def idle(self) -> bool:
        return self.gif_view.idle() and not self._gif_timer.isActive()

    def show_message(self, message: str, title: str = "", hint: str = NO_JOB) -> None:
        """No job to show: ``message`` says why, ``hint`` (on the timeline) what to do."""
        self._model = None
        self._gif_timer.stop()
        self._look_timer.stop()
        self.side.hide()  # nothing to tell about no job
        self._show_transport(False)
        self.timeline.set_model(None, hint)
        self.title.setText(title)
        self.clock.setText("")
        self.details.setText("")
        self.frame_view.set_image(None, message)
        self.frame_view.setAccessibleDescription(message)
        self.gif_view.set_gif(None, -1, "", "")

    def set_job(self, model: TimelineModel, position: float | None = None) -> None:
        """Show a job; keeps the position when it is the job already shown."""
        same = self._model is not None and self._model.job_dir == model.job_dir
        keep = self.timeline.position() if same else 0.0
        self._model = model
        self.side.show()
        self._show_transport(True)
        self.title.setText(model.name)
        self._fit_clock(model)
        self.timeline.set_model(model)
        self.timeline.set_position(keep if position is None else position)
        self._show_position(self.timeline.position())

    def _fit_clock(self, model: TimelineModel) -> None:
        """Wide enough for any time of this job and any speed: ticking never moves the
        layout."""
        longest = self._times.short(model.duration)
        widest = f"◀ 64×  {longest} / {longest}".replace("1", "0")
        self.clock.setMinimumWidth(self.clock.fontMetrics().horizontalAdvance(widest) + 12)

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

    def add_overview(self, pictures: list[tuple[float, Path]]) -> None:
        """Overview pictures of the shown job now exist: they stand in where nothing is
        rendered yet."""
        model = self._model
        if model is None:
            return
        model.add_overview(pictures)
        self.timeline.update()
        if not self.frame_view.image() or self.frame_view.approximate():
            self._show_position(self.timeline.position())

    def forget_pictures(self, job_dir: Path) -> None:
        """The job in ``job_dir`` starts (perhaps over): its GIFs are to be read again."""
        if self.job_dir() == job_dir:
            self.gif_view.forget()

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
        self._look_timer.stop()
        self.timeline.stop()
        self.gif_view.stop()

    # -- layout ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.side and event.type() == QEvent.Type.Resize:
            self._fit_side()
        return False

    def _fit_side(self) -> None:
        """In a short window the job's details give way (the queue's row tells them too),
        so the GIF keeps its room above the sections below it."""
        shown = self.details.isVisibleTo(self.side)
        if shown and self.side.minimumSizeHint().height() > self.side.height():
            self._room_for_job = self.side.minimumSizeHint().height()
            shown = False
        elif not shown and self.side.height() >= self._room_for_job:
            shown = True
        self._job_title.setVisible(shown)
        self.details.setVisible(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:
        room = event.size().width() - 2 * MARGINS - SPACING
        self.side.setFixedWidth(max(SIDE_MIN, min(SIDE_MAX, round(room * SIDE_SHARE))))
        super().resizeEvent(event)

    # -- reacting -------------------------------------------------------------------------

    def _show_position(self, t: float) -> None:
        model = self._model
        if model is None:
            return
        step, self._last_t = t - self._last_t, t
        n = model.frame_at(t)
        snippet = model.snippet_at(t)
        picture = model.picture_at(t)
        if picture is not None:
            image = self._cache.load_now(ImageKey.of(picture.path))
            message = "" if image else f"Cannot read {picture.path.name}"
            self.frame_view.set_image(image, message, approximate=picture.approximate)
            if not picture.approximate:
                self._prefetch(model, n, step)
        else:
            self.frame_view.set_image(None, _not_rendered(model, snippet))
        jumped = abs(step) > model.settings.snippet_seconds / 2
        if jumped and model.gif_path(snippet) != self.gif_view.path():
            self._gif_timer.start()  # a jump or a fast drag: wait until the playhead rests
        else:
            self._show_gif_now()
        self._update_clock()
        self._update_details()
        self._watch_rest(t)

    def _watch_rest(self, t: float | None) -> None:
        """Start waiting for the playhead or the pointer to rest at ``t`` (None: the
        pointer left: the playhead's place counts again)."""
        model = self._model
        self._looked_at = t if t is not None else self.timeline.position()
        if model is None or model.snippet_done(model.snippet_at(self._looked_at)):
            self._look_timer.stop()
        else:
            self._look_timer.start()

    def _looked(self) -> None:
        model, t = self._model, self._looked_at
        if model is not None and t is not None and not model.snippet_done(model.snippet_at(t)):
            self.lookingAt.emit(t)

    def _show_gif_now(self) -> None:
        model = self._model
        if model is None:
            return
        t = self.timeline.position()
        snippet = model.snippet_at(t)
        start, end = model.starts[snippet], model.snippet_end(snippet)
        span = f"{self._times.short(start)}–{self._times.short(end)}"
        caption = f"Snippet {snippet + 1} of {model.snippet_count} · {span}"
        side = model.side(snippet)
        if side:
            caption += "\nrendered " + ("on AWS" if side == "lambda" else "here")
        self.gif_view.set_gif(
            model.gif_path(snippet), model.gif_frame_at(t), caption, _not_rendered(model, snippet)
        )

    def _prefetch(self, model: TimelineModel, n: int | None, step: float) -> None:
        """Decode the next stills in the direction of travel while the user steps through
        the video (a held key, a slow drag, playback). Jumps and fast drags prefetch
        nothing: the next position cannot be guessed, and decoding for nothing slows the
        one needed."""
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
        position = self.timeline.position()
        now = self._times.short(position)
        text = f"{now} / {self._times.short(model.duration)}"
        speed = self.timeline.speed()
        if speed:
            text = f"{'▶' if speed > 0 else '◀'} {abs(speed)}×  {text}"
        _set_text(self.clock, text)
        n = model.frame_at(position)
        description = (
            f"Still {n + 1} of {model.frame_count}, at {now}" if n is not None else f"At {now}"
        )
        if self.frame_view.image() is None:
            description += ": " + self.frame_view.message()
        if self.frame_view.accessibleDescription() != description:
            self.frame_view.setAccessibleDescription(description)

    def _update_details(self) -> None:
        model = self._model
        if model is None:
            return
        done, failed = model.counts()
        stills = (
            f"{model.frame_count} stills every {model.settings.frame_interval:g} s"
            if model.settings.frames
            else "no stills (GIFs only)"
        )
        lines = [
            f"{model.width}×{model.height} · {clock_text(model.duration)}",
            f"{done} of {model.snippet_count} snippets rendered"
            + (f", {failed} failed" if failed else ""),
            stills,
        ]
        sides = model.side_counts()
        if sides is not None:
            lines.append(f"Rendered here: {sides[0]} · on AWS: {sides[1]}")
        _set_text(self.details, "\n".join(lines))

    def _show_hover(self, t: float | None) -> None:
        model = self._model
        anchor = self.timeline.hover_anchor()
        self._watch_rest(t)
        if t is None or model is None or anchor is None:
            self.hover.hide()
            self._hover_key = None
            return
        picture = model.picture_at(t)
        image = None
        self._hover_key = None
        if picture is not None:
            key = ImageKey.of(picture.path, THUMB)
            image = self._cache.get(key)
            if image is None:
                self._hover_key = key
                self._cache.request([key])
        point = self.timeline.mapTo(self, anchor.toPoint())
        self.hover.show_at(
            QPoint(point.x(), point.y()),
            image,
            self._times.short(t),
            approximate=picture is not None and picture.approximate,
        )

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


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:  # an unchanged label must not cost a relayout while scrubbing
        label.setText(text)


class ElidedLabel(QLabel):
    """A one-line label that ends in … when its text does not fit (a long file name in a
    narrow window), its full text in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(f"<p>{html.escape(text)}</p>" if text else "")  # a name, not markup
        self.setAccessibleName(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, self.width()
        )
        painter.drawText(self.rect(), int(self.alignment()), text)


def _section(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("sectionTitle")
    return label
