"""Getting work out of the window: drag-out and the clipboard give other programs a named
file and the picture; the export dialog and the range exports run through core.export in
the background, show their progress, and leave nothing when cancelled; every new control
has a name and a description."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
from PySide6.QtCore import QPoint, QPointF, Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.layout import MANIFEST_NAME, frame_relpath, gif_relpath
from gui.export.dialog import MARKERS, ExportDialog
from gui.export.range_dialog import CLIP, GIF, RangeDialog, RangeRequest

from .conftest import focus, show_job
from .test_keys import _unnamed


def _local_file(url: QUrl) -> Path:
    assert url.isLocalFile(), url
    return Path(url.toLocalFile())


def test_dragging_the_still_the_gif_or_a_thumbnail_gives_a_named_file_and_the_picture(
    qtbot, make_window, tc_job, app_dirs
):
    window = make_window()
    show_job(qtbot, window, tc_job)
    exports, preview = window.tools.exports, window.preview
    preview.set_position(4)

    mime, image = exports.handouts.still_drag()
    assert mime.hasFormat("text/uri-list") and mime.hasImage()
    (url,) = mime.urls()
    copy = _local_file(url)
    assert copy.name == "timecode_01-00-04-00.jpg"
    assert copy.is_relative_to(app_dirs.handoff)
    assert copy.read_bytes() == (tc_job / frame_relpath(4)).read_bytes()
    assert bytes(mime.data("image/jpeg")) == copy.read_bytes()
    assert (image.width(), image.height()) == (320, 240)

    mime, _ = exports.handouts.gif_drag()
    copy = _local_file(mime.urls()[0])
    assert copy.name == "timecode_01-00-03-00_01-00-06-00.gif"  # the second snippet
    assert bytes(mime.data("image/gif")) == (tc_job / gif_relpath(1)).read_bytes()
    assert mime.hasImage()

    timeline = preview.timeline
    strip = timeline.strip_rect()
    pressed = QPointF(strip.right() - 2, strip.center().y())  # the last thumbnail
    mime, _ = exports.handouts.thumbnail_drag(pressed)
    assert _local_file(mime.urls()[0]).name == "timecode_01-00-07-00.jpg"
    assert exports.handouts.thumbnail_drag(QPointF(strip.center().x(), 2)) is None  # the ruler


def test_ctrl_c_copies_the_still_and_ctrl_shift_c_the_timecode(qtbot, make_window, tc_job):
    window = make_window()
    show_job(qtbot, window, tc_job)
    window.preview.set_position(6)
    timeline = window.preview.timeline
    focus(qtbot, timeline)
    clipboard = QApplication.clipboard()
    clipboard.clear()
    QTest.keyClick(timeline, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    mime = clipboard.mimeData()
    assert mime.hasImage()
    assert clipboard.image().size().toTuple() == (320, 240)
    copy = _local_file(mime.urls()[0])
    assert copy.read_bytes() == (tc_job / frame_relpath(6)).read_bytes()
    assert bytes(mime.data("x-special/gnome-copied-files")).startswith(b"copy\nfile://")
    QTest.keyClick(
        timeline,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert clipboard.text() == "01:00:06:00"


def _dialog(qtbot, window, **kwargs) -> ExportDialog:
    task = window.tools.exports.open_dialog(**kwargs)
    qtbot.waitUntil(task.done)
    dialog = task.result()
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    return dialog


def _saved_message(qtbot, window, name: str) -> str:
    qtbot.waitUntil(lambda: f"Saved {name}" in window.message_bar.text.text(), timeout=20_000)
    return window.message_bar.text.text()


def test_the_export_dialog_previews_and_exports_a_contact_sheet_and_markers(
    qtbot, make_window, tc_job, tmp_path
):
    window = make_window()
    show_job(qtbot, window, tc_job)
    window.preview.set_position(2)
    window.tools.marks.add_marker()
    dialog = _dialog(qtbot, window)
    assert dialog.by_marks.isEnabled()  # the mark just added is saved and read
    qtbot.waitUntil(lambda: dialog.preview_image is not None, timeout=20_000)
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    before = dialog.preview_image
    dialog.columns.setValue(2)
    qtbot.waitUntil(lambda: dialog.preview_image is not before, timeout=20_000)
    assert dialog.preview_image.width() < before.width()  # fewer columns, a narrower sheet
    assert _unnamed(dialog) == []
    sheet = tmp_path / "sheet.jpg"
    dialog.sheet_format.setCurrentIndex(dialog.sheet_format.findData(".jpg"))
    dialog.sheet_output.set_path(sheet)
    dialog.export_button.click()
    assert "8 stills" in _saved_message(qtbot, window, "sheet.jpg")
    assert sheet.read_bytes()[:2] == b"\xff\xd8"
    window.file_manager.failed.disconnect()  # no file manager here: only check the button
    assert window.message_bar.button_texts() == ["Show in folder"]

    dialog = _dialog(qtbot, window, kind=MARKERS)
    dialog.marker_format.setCurrentIndex(dialog.marker_format.findData("edl"))
    assert dialog.markers_output.path().suffix == ".edl"
    edl = tmp_path / "marks.edl"
    dialog.markers_output.set_path(edl)
    dialog.export_button.click()
    _saved_message(qtbot, window, "marks.edl")
    text = edl.read_text()
    assert "Marker 1" in text and "01:00:02:00" in text  # in the source timecode


def _children() -> list[psutil.Process]:
    return [c for c in psutil.Process().children(recursive=True) if c.is_running()]


def test_a_range_gif_shows_progress_and_cancelling_it_leaves_nothing(
    qtbot, make_window, tc_job, tmp_path
):
    window = make_window()
    show_job(qtbot, window, tc_job)
    exports, runner = window.tools.exports, window.tools.runner
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "range.gif"
    # A small budget: several GIFs are rendered to find the best that fits (a long export).
    task = exports.start_range(RangeRequest(GIF, 0.0, 8.0, out, 320, 25.0, 3000))
    (row,) = runner.running()
    assert row.isVisible() and row.cancel.accessibleName() == "Cancel GIF range.gif"
    qtbot.waitUntil(lambda: row.fraction() > 0 and bool(_children()), timeout=20_000)
    window.preview.set_position(5)  # scrubbing goes on meanwhile
    assert window.preview.clock.text().startswith("01:00:05:00")
    row.cancel.click()
    qtbot.waitUntil(task.done, timeout=20_000)
    assert task.cancelled() and not runner.running()
    assert list(folder.iterdir()) == []  # no GIF, no temporary file
    assert not _children()
    assert "cancelled" in window.statusBar().currentMessage()


def test_a_range_clip_and_gif_are_exported_with_what_was_chosen(
    qtbot, make_window, tc_job, tmp_path
):
    window = make_window()
    show_job(qtbot, window, tc_job)
    exports, marks = window.tools.exports, window.tools.marks
    window.preview.set_position(2)
    marks.run_command("set_in")
    window.preview.set_position(5)
    marks.run_command("set_out")
    dialog = exports.export_range(CLIP)
    assert isinstance(dialog, RangeDialog)
    assert (dialog.start.text(), dialog.end.text()) == ("01:00:02:00", "01:00:05:00")
    assert dialog.output.path().name == "timecode_01-00-02-00_01-00-05-00.mp4"
    assert _unnamed(dialog) == []
    dialog.output.set_path(tmp_path / "clip.mp4")
    dialog.accept()
    text = _saved_message(qtbot, window, "clip.mp4")
    assert "01:00:02:00–01:00:05:00, H.264/AAC" in text
    assert (tmp_path / "clip.mp4").stat().st_size > 0

    dialog = exports.export_range(GIF)
    assert _unnamed(dialog) == []
    dialog.end.setText("01:00:01:00")
    dialog.accept()
    assert dialog.isVisible() and "must end after" in dialog.error.text()
    dialog.end.setText("01:00:05:00")
    dialog.fit.setChecked(True)
    dialog.budget.setValue(0.1)
    dialog.output.set_path(tmp_path / "range.gif")
    dialog.accept()
    text = _saved_message(qtbot, window, "range.gif")
    assert (tmp_path / "range.gif").stat().st_size <= 100_000
    assert "px wide" in text


def test_the_context_menus_offer_the_exports(qtbot, make_window, tc_job):
    window = make_window()
    show_job(qtbot, window, tc_job)
    exports, preview = window.tools.exports, window.preview
    menus = {
        "still": exports.still_menu(preview.frame_view.mapToGlobal(QPoint(5, 5))),
        "gif": exports.gif_menu(preview.gif_view.mapToGlobal(QPoint(5, 5))),
        "timeline": exports.timeline_menu(preview.timeline.mapToGlobal(QPoint(5, 5))),
    }
    for name, menu in menus.items():
        texts = {a.text() for a in menu.actions()}
        assert {"Export GIF of in–out range…", "Export clip of in–out range…"} <= texts, name
        assert {"Copy timecode", "Add marker"} <= texts, name
        assert any("file manager" in t or "folder" in t for t in texts), name
        menu.close()
    assert "Save still as…" in {a.text() for a in menus["still"].actions()}
    assert "Export GIF of snippet…" in {a.text() for a in menus["gif"].actions()}
    bar = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert {"Marks", "Export"} <= set(bar)
    assert "Export clip of in–out range…" in {a.text() for a in bar["Export"].actions()}
    assert "Set in" in {a.text() for a in bar["Marks"].actions()}


def test_a_moved_source_is_asked_for_not_blamed_on_the_user(qtbot, make_window, tc_job, tmp_path):
    manifest = json.loads((tc_job / MANIFEST_NAME).read_text())
    video = Path(manifest["source"]["path"])
    manifest["source"]["path"] = str(tmp_path / "moved-away.mov")
    (tc_job / MANIFEST_NAME).write_text(json.dumps(manifest))
    window = make_window()
    show_job(qtbot, window, tc_job)
    exports = window.tools.exports
    dialog = exports.export_range(CLIP)
    assert dialog.source.isVisibleTo(dialog)
    dialog.output.set_path(tmp_path / "clip.mp4")
    dialog.accept()
    assert dialog.isVisible() and "choose where it is now" in dialog.error.text()
    dialog.source.set_path(video)
    dialog.accept()
    _saved_message(qtbot, window, "clip.mp4")

    asked = []
    exports.ask_source = lambda job: asked.append(job.name) or video
    window.preview.set_position(3)
    task = exports.save_still(full_size=True, path=tmp_path / "full.png")
    qtbot.waitUntil(task.done, timeout=20_000)
    assert asked == ["timecode.mov"]
    assert (tmp_path / "full.png").read_bytes()[:4] == b"\x89PNG"
