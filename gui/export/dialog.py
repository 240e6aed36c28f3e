"""The export dialog: a contact sheet (with a preview of it), seek-bar sprites, the marks for
the editing timeline, or a web page to share, with the choices of ``framefan export``.

The dialog only gathers choices; :meth:`ExportDialog.work` hands the export to the window's
:class:`~gui.export.runner.ExportRunner`, which runs it in the background. The preview is
the real sheet, made by the same core function into the app's cache and redrawn a moment
after a choice changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import FrameFanError
from core.export import (
    ExportJob,
    export_contact_sheet,
    export_markers,
    export_sprites,
    export_web,
)
from core.export.contact_sheet import DEFAULT_COLUMNS, DEFAULT_COUNT
from core.export.sprites import DEFAULT_EVERY, DEFAULT_WIDTH

from .fields import FOLDER, PathEdit, confirm_replace, describe
from .runner import Outcome, Progress

SHEET, SPRITES, MARKERS, WEB = "sheet", "sprites", "markers", "web"
KINDS = {
    SHEET: "Contact sheet",
    SPRITES: "Thumbnail sprites",
    MARKERS: "Markers",
    WEB: "Web page",
}
KIND_HELP = {
    SHEET: "A grid of stills with their times, under a header about the video",
    SPRITES: "Seek-bar thumbnails for web players",
    MARKERS: "The marks for the editing timeline: OpenTimelineIO, EDL, FCPXML or CSV",
    WEB: "A page to share: a scrub bar, the stills, the GIFs and the marks",
}
SHEET_FORMATS = {".png": "PNG picture", ".jpg": "JPEG picture", ".pdf": "PDF document"}
MARKER_FORMATS = {
    "otio": ("OpenTimelineIO (.otio)", ".otio"),
    "edl": ("CMX 3600 EDL (.edl): Premiere, Resolve, Avid", ".edl"),
    "fcpxml": ("FCPXML (.fcpxml): Final Cut Pro, Resolve", ".fcpxml"),
    "csv": ("CSV (.csv): spreadsheets", ".csv"),
}
PREVIEW_DELAY_MS = 250
PREVIEW_SIZE = QSize(420, 320)

Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
Work = tuple[str, Callable[[Progress], Awaitable[Any]], Callable[[Any], Outcome]]


def default_outputs(job: ExportJob, folder: Path) -> dict[str, Path]:
    stem = job.file_stem
    return {
        SHEET: folder / f"{stem}_contact-sheet.png",
        SPRITES: folder / f"{stem}_sprites",
        MARKERS: folder / f"{stem}_marks.otio",
        WEB: folder / f"{stem}_web",
    }


class ExportDialog(QDialog):
    def __init__(
        self,
        job: ExportJob,
        folder: Path,
        spawn: Spawn,
        preview_dir: Path,
        kind: str = SHEET,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {job.name}")
        self.job = job
        self._spawn = spawn
        self._preview_dir = preview_dir
        self._preview_task: asyncio.Task[None] | None = None
        self.preview_image: QImage | None = None  # the sheet as last previewed, full size
        self._force = False
        outputs = default_outputs(job, folder)
        has_marks = self._has_marks()

        self.tabs = QTabWidget()
        describe(self.tabs, "What to export", "A contact sheet, sprites, markers or a web page")
        describe(self.tabs.tabBar(), "What to export", "Choose what to export")
        self.tabs.addTab(self._sheet_tab(outputs[SHEET], has_marks), KINDS[SHEET])
        self.tabs.addTab(self._sprites_tab(outputs[SPRITES]), KINDS[SPRITES])
        self.tabs.addTab(self._markers_tab(outputs[MARKERS], has_marks), KINDS[MARKERS])
        self.tabs.addTab(self._web_tab(outputs[WEB]), KINDS[WEB])
        for index, text in enumerate(KIND_HELP.values()):
            self.tabs.setTabToolTip(index, text)
        self.tabs.setCurrentIndex(list(KINDS).index(kind))
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.export_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Export")
        self.export_button.setToolTip("Export; its progress shows in the status bar")
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Export nothing")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setObjectName("sheetPreview")
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._render_preview)
        self.finished.connect(self._stop_preview)
        self._schedule_preview()

    # -- the tabs -------------------------------------------------------------------------

    def _sheet_tab(self, output: Path, has_marks: bool) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.columns = QSpinBox()
        self.columns.setRange(1, 20)
        self.columns.setValue(DEFAULT_COLUMNS)
        describe(self.columns, "Columns", "Stills side by side in each row of the sheet")
        self.by_count = QRadioButton("Evenly spread")
        self.by_every = QRadioButton("One every")
        self.by_marks = QRadioButton("One per mark, with its name")
        self.by_marks.setEnabled(has_marks)
        self.count = QSpinBox()
        self.count.setRange(1, 2000)
        self.count.setValue(max(1, min(DEFAULT_COUNT, len(self.job.frames()))))
        self.count.setSuffix(" stills")
        describe(self.count, "Number of stills", "Stills spread evenly over the whole video")
        self.every = QDoubleSpinBox()
        self.every.setRange(0.1, 36000)
        self.every.setDecimals(1)
        self.every.setValue(max(1.0, round(self.job.duration / DEFAULT_COUNT)))
        self.every.setSuffix(" s")
        describe(self.every, "Seconds between stills", "One still every so many seconds")
        for button, text in (
            (self.by_count, "As many stills as chosen, spread evenly over the video"),
            (self.by_every, "A still every so many seconds"),
        ):
            describe(button, button.text(), text)
        if has_marks:
            describe(self.by_marks, self.by_marks.text(), "One still at the start of each mark")
        else:
            describe(self.by_marks, self.by_marks.text(), "The job has no marks yet")
        group = QButtonGroup(page)
        for button in (self.by_count, self.by_every, self.by_marks):
            group.addButton(button)
        self.by_count.setChecked(True)
        count_row = QHBoxLayout()
        count_row.addWidget(self.by_count)
        count_row.addWidget(self.count)
        count_row.addStretch(1)
        every_row = QHBoxLayout()
        every_row.addWidget(self.by_every)
        every_row.addWidget(self.every)
        every_row.addStretch(1)
        self.sheet_format = QComboBox()
        for suffix, name in SHEET_FORMATS.items():
            self.sheet_format.addItem(name, suffix)
        describe(self.sheet_format, "Format", "A picture (PNG, JPEG) or a PDF of pages")
        self.sheet_output = PathEdit(
            "Save as", output, filters="Pictures (*.png *.jpg);;PDF (*.pdf)"
        )
        self.sheet_format.currentIndexChanged.connect(
            lambda: self.sheet_output.set_suffix(self.sheet_format.currentData())
        )
        form.addRow("Columns", self.columns)
        form.addRow("Stills", count_row)
        form.addRow("", every_row)
        form.addRow("", self.by_marks)
        form.addRow("Format", self.sheet_format)
        self.preview = QLabel("Preparing the preview…")
        self.preview.setObjectName("secondaryText")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setWordWrap(True)
        self.preview.setMinimumSize(PREVIEW_SIZE)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.preview.setAccessibleName("Preview of the contact sheet")
        for signal in (
            self.columns.valueChanged,
            self.count.valueChanged,
            self.every.valueChanged,
            group.buttonToggled,
        ):
            signal.connect(self._schedule_preview)
        beside = QHBoxLayout()
        beside.addLayout(form)
        beside.addWidget(self.preview, 1)
        # Under both, the whole width: a path is long, and its name is at its end.
        below = QFormLayout()
        below.addRow("Save as", self.sheet_output)
        layout = QVBoxLayout(page)
        layout.addLayout(beside, 1)
        layout.addLayout(below)
        return page

    def _sprites_tab(self, output: Path) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.sprite_every = QDoubleSpinBox()
        self.sprite_every.setRange(0.5, 3600)
        self.sprite_every.setDecimals(1)
        self.sprite_every.setValue(DEFAULT_EVERY)
        self.sprite_every.setSuffix(" s")
        describe(
            self.sprite_every, "Seconds between thumbnails", "One thumbnail per so many seconds"
        )
        self.sprite_width = QSpinBox()
        self.sprite_width.setRange(16, 1920)
        self.sprite_width.setValue(DEFAULT_WIDTH)
        self.sprite_width.setSuffix(" px")
        describe(self.sprite_width, "Thumbnail width", "The width of each thumbnail in pixels")
        self.sprites_output = PathEdit("Save in a new folder", output, FOLDER)
        form.addRow("One thumbnail every", self.sprite_every)
        form.addRow("Thumbnail width", self.sprite_width)
        form.addRow("Save in a new folder", self.sprites_output)
        form.addRow("", _note(
            "Sprite sheets and thumbnails.vtt, for the seek-bar thumbnails of web players "
            "(Video.js, JW Player, Plyr, Bitmovin)."
        ))  # fmt: skip
        return page

    def _markers_tab(self, output: Path, has_marks: bool) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.marker_format = QComboBox()
        for key, (name, _suffix) in MARKER_FORMATS.items():
            self.marker_format.addItem(name, key)
        describe(self.marker_format, "Format", "The kind of file the editing software reads")
        self.markers_output = PathEdit(
            "Save as", output, filters="Timelines (*.otio *.edl *.fcpxml *.csv)"
        )
        self.marker_format.currentIndexChanged.connect(
            lambda: self.markers_output.set_suffix(
                MARKER_FORMATS[self.marker_format.currentData()][1]
            )
        )
        form.addRow("Format", self.marker_format)
        form.addRow("Save as", self.markers_output)
        text = (
            "Each mark becomes a clip of the source on a timeline of selects, named after the "
            "mark, with its note, in the video's source timecode."
        )
        if not has_marks:
            text = "The job has no marks yet: M adds one at the playhead. " + text
        form.addRow("", _note(text))
        return page

    def _web_tab(self, output: Path) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.web_output = PathEdit("Save in a new folder", output, FOLDER)
        form.addRow("Save in a new folder", self.web_output)
        form.addRow("", _note(
            "A page with a scrub bar over the whole video, its stills and GIFs, and the marks "
            "as chapters. It needs no server and nothing from the internet: open index.html, "
            "or share the folder."
        ))  # fmt: skip
        return page

    # -- what to export -------------------------------------------------------------------

    def kind(self) -> str:
        return list(KINDS)[self.tabs.currentIndex()]

    def output(self) -> Path:
        return {
            SHEET: self.sheet_output,
            SPRITES: self.sprites_output,
            MARKERS: self.markers_output,
            WEB: self.web_output,
        }[self.kind()].path()

    def _sheet_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"columns": self.columns.value()}
        if self.by_marks.isChecked():
            options["marks"] = True
        elif self.by_every.isChecked():
            options["every"] = self.every.value()
        else:
            options["count"] = self.count.value()
        return options

    def work(self) -> Work:
        """The export asked for: its title, the work (given a progress callback) and what
        to say of its result."""
        job, output, force = self.job, self.output(), self._force
        kind = self.kind()
        if kind == SHEET:
            options = self._sheet_options()
            return (
                f"Contact sheet {output.name}",
                lambda progress: export_contact_sheet(
                    job, output, force=force, on_progress=progress, **options
                ),
                lambda r: (
                    _pages(f"Saved {r.path.name}: {_count(r.tiles, 'still')}", r.pages),
                    r.path,
                ),
            )
        if kind == SPRITES:
            every, width = self.sprite_every.value(), self.sprite_width.value()
            return (
                f"Sprites {output.name}",
                lambda progress: export_sprites(
                    job, output, every=every, width=width, force=force, on_progress=progress
                ),
                lambda r: (
                    f"Saved {r.folder.name}: {_count(len(r.cues), 'thumbnail')} on "
                    f"{_count(len(r.sheets), 'sprite sheet')}, and thumbnails.vtt",
                    r.folder,
                ),
            )
        if kind == MARKERS:
            fmt = self.marker_format.currentData()
            return (
                f"Markers {output.name}",
                lambda progress: export_markers(
                    job, output, fmt, force=force, on_progress=progress
                ),
                lambda r: (
                    f"Saved {r.path.name}: {_count(r.marks, 'mark')} as "
                    f"{MARKER_FORMATS[r.format][0].split(' (')[0]}",
                    r.path,
                ),
            )
        return (
            f"Web page {output.name}",
            lambda progress: export_web(job, output, force=force, on_progress=progress),
            lambda r: (
                f"Saved {r.folder.name}: open its index.html in a browser, or share the folder",
                r.folder / "index.html",
            ),
        )

    def accept(self) -> None:
        output = self.output()
        if not output.name:
            self.error.setText("Choose where to save it.")
            return
        if not confirm_replace(self, output):
            return
        self._force = output.exists()  # the user agreed to replace it
        super().accept()

    # -- the preview ----------------------------------------------------------------------

    def _has_marks(self) -> bool:
        try:
            return bool(self.job.marks())
        except FrameFanError:
            return False

    def _schedule_preview(self, *_args: object) -> None:
        self._timer.start()  # again: a burst of changes makes one preview

    def _render_preview(self) -> None:
        if self._preview_task is not None:
            self._preview_task.cancel()
        self._preview_task = self._spawn(self._make_preview(self._sheet_options()))

    async def _make_preview(self, options: dict[str, Any]) -> None:
        path = self._preview_dir / f"sheet-{secrets.token_hex(4)}.png"
        try:
            self._preview_dir.mkdir(parents=True, exist_ok=True)
            await export_contact_sheet(self.job, path, **options)
            image = await asyncio.to_thread(QImage, str(path))
        except (FrameFanError, OSError) as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(f"No preview: {exc}")
            return
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
        if image.isNull():
            self.preview.setText("No preview")
            return
        shown = image.scaled(
            self.preview.size() - QSize(8, 8),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.preview.setPixmap(QPixmap.fromImage(shown))
        self.preview.setAccessibleDescription(
            f"{image.width()} × {image.height()} pixels at full size"
        )
        self.preview_image = image

    def _stop_preview(self) -> None:
        self._timer.stop()
        if self._preview_task is not None:
            self._preview_task.cancel()


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")


def _pages(text: str, pages: int) -> str:
    return f"{text} on {pages} pages" if pages > 1 else text


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("secondaryText")
    label.setWordWrap(True)
    return label
