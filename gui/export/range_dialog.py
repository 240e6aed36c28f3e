"""Exporting a range as a GIF or a clip: the range (from in to out, or the snippet's), the
GIF's width, frame rate and an optional size to fit within, or the clip's way of cutting,
and where the file goes. The same choices as ``framefan export gif`` and ``clip``.

When the job's source video is not where the job says, the dialog asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.errors import UsageError
from core.export import ExportJob

from ..preview.time_labels import TimeLabels
from .fields import OPEN, PathEdit, confirm_replace, describe

GIF = "gif"
CLIP = "clip"
DEFAULT_BUDGET_MB = 8.0  # what many chat programs take as a picture


@dataclass(frozen=True)
class RangeRequest:
    kind: str
    start: float
    end: float
    output: Path
    width: int | None = None
    fps: float | None = None
    max_bytes: int | None = None
    copy: bool = False
    source: Path | None = None
    force: bool = False  # the user agreed to replace the output


def source_missing(job: ExportJob) -> bool:
    recorded = job.manifest.source.path
    return not recorded or not Path(str(recorded)).is_file()


class RangeDialog(QDialog):
    def __init__(
        self,
        kind: str,
        job: ExportJob,
        times: TimeLabels,
        start: float,
        end: float,
        output: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind, self._job, self._times = kind, job, times
        self._given = (start, end)
        self._force = False
        what = "GIF" if kind == GIF else "clip"
        self.setWindowTitle(f"Export {what} of a range")
        self.setMinimumWidth(520)
        form = QFormLayout()
        hint = "as the window shows times, in seconds, or as [H:]MM:SS"
        self.start = QLineEdit(times.precise(start))
        describe(self.start, "From", f"Where the range starts: {hint}")
        self.end = QLineEdit(times.precise(end))
        describe(self.end, "To", f"Where the range ends: {hint}")
        range_row = QHBoxLayout()
        range_row.addWidget(self.start)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.end)
        form.addRow("Range", range_row)
        settings = job.manifest.settings
        self.width = QSpinBox()
        self.fps = QDoubleSpinBox()
        self.fit = QCheckBox("Fit within")
        self.budget = QDoubleSpinBox()
        self.copy = QCheckBox("Cut without re-encoding, at the keyframes around the range")
        if kind == GIF:
            self.width.setRange(16, 4096)
            self.width.setValue(settings.gif_width)
            self.width.setSuffix(" px")
            describe(self.width, "Width", "The GIF's width in pixels (at most the video's)")
            self.fps.setRange(1, 50)
            self.fps.setDecimals(1)
            self.fps.setValue(settings.gif_fps)
            self.fps.setSuffix(" fps")
            describe(self.fps, "Frame rate", "Pictures per second of the GIF")
            self.fit.setToolTip(
                "Choose the best width, frame rate and colours whose GIF is no larger"
            )
            self.budget.setRange(0.1, 1000)
            self.budget.setDecimals(1)
            self.budget.setValue(DEFAULT_BUDGET_MB)
            self.budget.setSuffix(" MB")
            describe(self.budget, "Largest size", "The GIF is made to be no larger")
            self.budget.setEnabled(False)
            self.fit.toggled.connect(self.budget.setEnabled)
            fit_row = QHBoxLayout()
            fit_row.addWidget(self.fit)
            fit_row.addWidget(self.budget)
            fit_row.addStretch(1)
            form.addRow("Width", self.width)
            form.addRow("Frame rate", self.fps)
            form.addRow("Size", fit_row)
        else:
            self.copy.setToolTip(
                "Fast and lossless, but the clip then starts and ends at keyframes: it may "
                "be a little longer than the range"
            )
            form.addRow("", self.copy)
        self.source = PathEdit("Source video", None, OPEN)
        if source_missing(job):
            self.source.line.setPlaceholderText(f"{job.name} was moved: where is it now?")
            form.addRow("Source video", self.source)
        suffix = ".gif" if kind == GIF else ".mp4"
        filters = "GIF (*.gif)" if kind == GIF else "MP4 video (*.mp4);;QuickTime (*.mov)"
        self.output = PathEdit("Save as", output.with_suffix(suffix), filters=filters)
        form.addRow("Save as", self.output)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        export = buttons.button(QDialogButtonBox.StandardButton.Ok)
        export.setText("Export")
        export.setToolTip(f"Export the {what}; its progress shows in the status bar")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Export nothing")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _time(self, editor: QLineEdit, given: float, what: str) -> float:
        text = editor.text().strip()
        if text == self._times.precise(given):
            return given  # as it was: its exact value, not the start of the frame it names
        return self._job.check_time(self._job.parse_time(text, what), what)

    def request(self) -> RangeRequest:
        """What was asked for; raises :class:`UsageError` naming what to change."""
        start = self._time(self.start, self._given[0], "from")
        end = self._time(self.end, self._given[1], "to")
        if end <= start:
            raise UsageError("the range must end after it starts")
        output = self.output.path()
        if not output.name:
            raise UsageError("choose where to save it")
        source = None
        if source_missing(self._job):
            if not self.source.line.text().strip():
                raise UsageError("the source video was moved: choose where it is now")
            source = self.source.path()
        if self.kind == GIF:
            budget = round(self.budget.value() * 1_000_000) if self.fit.isChecked() else None
            return RangeRequest(
                GIF, start, end, output, self.width.value(), self.fps.value(), budget,
                source=source, force=self._force,
            )  # fmt: skip
        return RangeRequest(
            CLIP, start, end, output, copy=self.copy.isChecked(), source=source, force=self._force
        )

    def accept(self) -> None:
        try:
            output = self.request().output
        except UsageError as exc:
            text = str(exc)
            self.error.setText(text[:1].upper() + text[1:])
            return
        if not confirm_replace(self, output):
            return
        self._force = output.exists()
        super().accept()
