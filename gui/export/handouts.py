"""Handing the shown job's pictures to other programs: dragging the still, the GIF or a
filmstrip thumbnail out of the window, and the clipboard (the still, the GIF, the
timecode). Each picture goes as a named copy of its file (``interview_00-01-35.jpg``, in the
app's cache: core.export.handoff), its picture and its bytes (gui.export.mime).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMimeData, QPointF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QStatusBar

from core.errors import FrameFanError
from core.export import ExportJob, HandoffFolder, hand_off

from ..message_bar import MessageBar
from ..preview.panel import PreviewPanel
from ..preview.time_labels import TimeLabels
from .drag import DragOut
from .mime import picture_mime

NO_STILL = "No still here yet: its snippet is not rendered."
NO_GIF = "No GIF here yet: the snippet is not rendered."

Provided = tuple[QMimeData, QImage | None]


@dataclass(frozen=True)
class Handout:
    """A still or GIF of the shown job as it is handed out: its file in the job folder and
    the name of its copy."""

    relpath: str
    name: str
    time: float


class Handouts:
    def __init__(
        self,
        preview: PreviewPanel,
        handoff: HandoffFolder,
        messages: MessageBar,
        status: QStatusBar,
    ) -> None:
        self._preview = preview
        self._handoff = handoff
        self._messages = messages
        self._status = status
        self._job: ExportJob | None = None
        self._times = TimeLabels()
        self.drags = [
            DragOut(preview.frame_view, lambda _at: self.still_drag()),
            DragOut(preview.gif_view.screen, lambda _at: self.gif_drag()),
            DragOut(preview.timeline, self.thumbnail_drag, pull_out=True),
        ]

    def show(self, job: ExportJob | None, times: TimeLabels) -> None:
        self._job, self._times = job, times

    def still_at(self, t: float) -> Handout | None:
        """The still shown at ``t``, if it is rendered (an approximate picture is not)."""
        model, job = self._preview.model(), self._job
        if model is None or job is None:
            return None
        n = model.frame_at(t)
        picture = model.picture(n) if n is not None else None
        if picture is None or picture.approximate:
            return None
        at = model.frame_time(n)
        relpath = picture.path.relative_to(model.job_dir).as_posix()
        return Handout(relpath, job.file_name(at, picture.path.suffix.lower()), at)

    def gif_here(self) -> Handout | None:
        model, job = self._preview.model(), self._job
        if model is None or job is None:
            return None
        snippet = model.snippet_at(self._preview.position())
        path = model.gif_path(snippet)
        if path is None:
            return None
        start, end = model.starts[snippet], model.snippet_end(snippet)
        relpath = path.relative_to(model.job_dir).as_posix()
        return Handout(relpath, job.file_name(start, ".gif", end=end), start)

    def mime_of(self, item: Handout | None, *, clipboard: bool = False) -> Provided | None:
        """The data handing ``item`` to another program: a named copy of its file, its
        picture and its bytes (None, and a message, when it cannot be read)."""
        if item is None or self._job is None:
            return None
        try:
            path, data = hand_off(self._job, item.relpath, item.name, self._handoff)
        except FrameFanError as exc:
            self._messages.show_message(str(exc), key="export")
            return None
        image = QImage.fromData(data)
        return picture_mime(path, data, image, clipboard=clipboard), image

    def still_drag(self) -> Provided | None:
        return self.mime_of(self.still_at(self._preview.position()))

    def gif_drag(self) -> Provided | None:
        provided = self.mime_of(self.gif_here())
        if provided is None:
            return None
        # The picture dragged is the one on screen, not the GIF's first.
        return provided[0], self._preview.gif_view.current_image() or provided[1]

    def thumbnail_drag(self, pressed: QPointF) -> Provided | None:
        timeline = self._preview.timeline
        if not timeline.strip_rect().contains(pressed.toPoint()):
            return None
        return self.mime_of(self.still_at(timeline.slot_time(pressed.x())))

    # -- the clipboard --------------------------------------------------------------------

    def copy_still(self) -> bool:
        still = self.still_at(self._preview.position())
        if still is None:
            self._status.showMessage(NO_STILL, 10_000)
            return False
        provided = self.mime_of(still, clipboard=True)
        if provided is None:
            return False
        QApplication.clipboard().setMimeData(provided[0])
        self._status.showMessage(f"Copied the still at {self._times.precise(still.time)}", 10_000)
        return True

    def copy_gif_now(self) -> bool:
        provided = self.mime_of(self.gif_here(), clipboard=True)
        if provided is None:
            self._status.showMessage(NO_GIF, 10_000)
            return False
        QApplication.clipboard().setMimeData(provided[0])
        self._status.showMessage("Copied the snippet's GIF", 10_000)
        return True

    def copy_timecode(self) -> str:
        text = self._times.precise(self._preview.position())
        QApplication.clipboard().setText(text)
        self._status.showMessage(f"Copied {text}", 10_000)
        return text
