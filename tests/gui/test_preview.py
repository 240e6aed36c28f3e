"""The preview of a processed job: scrubbing shows the right still, the current snippet's
GIF plays, hover thumbnails, keyboard scrubbing, the shortcut sheet, reopening jobs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.layout import MANIFEST_NAME, gif_relpath
from core.manifest import DONE
from gui.preview.shortcuts import SHEET, ShortcutSheet
from tests.media import STEP_LEVELS

from .conftest import STEP_SECONDS, close_window

TOLERANCE = 12  # JPEG and GIF coding move a flat grey by a few levels at most


def _luma(image: QImage, x: int | None = None, y: int | None = None) -> int:
    color = QColor(
        image.pixel(image.width() // 2 if x is None else x, image.height() // 2 if y is None else y)
    )
    return round((color.red() + color.green() + color.blue()) / 3)


def _painted_luma(window) -> int:
    """Brightness at the centre of the picture as painted on screen."""
    view = window.preview.frame_view
    assert view.image() is not None, "no picture shown"
    rect = view.image_rect()
    image = view.grab().toImage()
    dpr = image.devicePixelRatio()
    return _luma(image, round(rect.center().x() * dpr), round(rect.center().y() * dpr))


def _open(qtbot, window, job_dir: Path) -> None:
    task = window.open_job(job_dir / MANIFEST_NAME)
    qtbot.waitUntil(task.done)
    assert task.result() is not None
    qtbot.waitUntil(lambda: window.preview.model() is not None)


def test_scrubbing_to_a_second_shows_the_still_of_that_second(qtbot, make_window, step_job):
    window = make_window()
    _open(qtbot, window, step_job)
    timeline = window.preview.timeline
    for second in range(STEP_SECONDS):
        window.preview.set_position(second + 0.5)
        qtbot.waitUntil(lambda: window.preview.frame_view.image() is not None)
        assert abs(_painted_luma(window) - STEP_LEVELS[second]) <= TOLERANCE, second

    # A click on the timeline at a time shows that time's still.
    x = round(timeline._x_of(5.5))
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, timeline.height() // 2))
    assert int(timeline.position()) == 5
    assert abs(_painted_luma(window) - STEP_LEVELS[5]) <= TOLERANCE


def test_arrow_keys_step_and_keep_stepping_while_held(qtbot, make_window, step_job):
    window = make_window()
    _open(qtbot, window, step_job)
    timeline = window.preview.timeline
    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key.Key_Home)
    assert timeline.position() == 0
    QTest.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.position() == 1
    assert abs(_painted_luma(window) - STEP_LEVELS[1]) <= TOLERANCE
    # A held key: the system repeats the press; every repeat moves and repaints.
    for expected in (2, 3, 4):
        held = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, "", True
        )
        QApplication.sendEvent(timeline, held)
        assert timeline.position() == expected
        assert abs(_painted_luma(window) - STEP_LEVELS[expected]) <= TOLERANCE
    QTest.keyClick(timeline, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert timeline.position() == 1  # one snippet (3 s) back
    QTest.keyClick(timeline, Qt.Key.Key_End)
    assert timeline.position() == STEP_SECONDS - 1


def test_j_k_l_play_and_stop(qtbot, make_window, step_job):
    window = make_window()
    _open(qtbot, window, step_job)
    timeline = window.preview.timeline
    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key.Key_L)
    QTest.keyClick(timeline, Qt.Key.Key_L)
    assert timeline.speed() == 2
    qtbot.waitUntil(lambda: timeline.position() >= 1)
    assert "2×" in window.preview.clock.text()
    QTest.keyClick(timeline, Qt.Key.Key_K)
    assert timeline.speed() == 0
    QTest.keyClick(timeline, Qt.Key.Key_J)
    assert timeline.speed() == -1
    QTest.keyClick(timeline, Qt.Key.Key_K)
    assert timeline.speed() == 0


def test_the_current_snippets_gif_is_the_one_playing(qtbot, make_window, step_job):
    window = make_window()
    _open(qtbot, window, step_job)
    gif = window.preview.gif_view
    for t, snippet in ((4.2, 1), (7.0, 2), (0.0, 0)):
        window.preview.set_position(t)
        # The GIF follows once the playhead rests (a fast drag does not load every GIF).
        qtbot.waitUntil(lambda: gif.path() == step_job / gif_relpath(snippet))  # noqa: B023
        movie = gif.movie()
        assert movie is not None and movie.state() == movie.MovieState.Running
        movie.jumpToFrame(0)  # the snippet's first picture: the second it starts at
        assert abs(_luma(movie.currentImage()) - STEP_LEVELS[snippet * 3]) <= TOLERANCE


def test_hovering_the_timeline_shows_a_thumbnail(qtbot, make_window, step_job):
    window = make_window()
    _open(qtbot, window, step_job)
    timeline = window.preview.timeline
    hover = window.preview.hover
    QTest.mouseMove(timeline, QPoint(round(timeline._x_of(6.5)), timeline.height() // 2))
    qtbot.waitUntil(lambda: hover.isVisible() and hover._image is not None)
    assert hover._label == "0:06"
    assert abs(_luma(hover._image) - STEP_LEVELS[6]) <= TOLERANCE
    assert timeline.position() == 0  # hovering does not move the playhead
    QTest.mouseMove(window.queue_view.viewport(), QPoint(3, 3))
    QApplication.sendEvent(timeline, QEvent(QEvent.Type.Leave))
    assert not hover.isVisible()


def test_unrendered_snippets_show_as_pending(qtbot, make_window, step_job, tmp_path):
    """A job still running (or partly done): its pending snippets have no still or GIF."""
    job = tmp_path / "partial"
    shutil.copytree(step_job, job)
    data = json.loads((job / MANIFEST_NAME).read_text())
    data["snippets"][1].update(status="pending", gif=None)
    data["status"] = "partial"
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    window = make_window()
    _open(qtbot, window, job)
    window.preview.set_position(4)
    assert window.preview.frame_view.image() is None
    assert "Snippet 2 is not rendered yet" in window.preview.frame_view._message
    qtbot.waitUntil(lambda: window.preview.gif_view.path() is None)
    window.preview.mark_snippet(1, DONE)  # as when the snippet finishes while watched
    assert window.preview.frame_view.image() is not None
    qtbot.waitUntil(lambda: window.preview.gif_view.path() == job / gif_relpath(1))


def test_shortcut_sheet_lists_the_keys(qtbot, make_window):
    window = make_window()
    assert window.commands.shortcuts.shortcut().toString() == "?"
    window.commands.shortcuts.trigger()
    sheet = window.findChild(ShortcutSheet)
    assert sheet is not None and sheet.isVisible()
    texts = {label.text() for label in sheet.findChildren(type(window.queue_status))}
    for items in SHEET.values():
        for keys, description in items:
            assert keys in texts and description in texts
    sheet.reject()


def test_an_earlier_job_reopens_from_recent_jobs(qtbot, make_window, step_job):
    window = make_window()
    _open(qtbot, window, step_job)
    close_window(qtbot, window)
    again = make_window()
    menu = again.commands.recent_menu
    menu.aboutToShow.emit()
    first = menu.actions()[0]
    assert first.text() == step_job.name
    first.trigger()
    qtbot.waitUntil(lambda: again.preview.model() is not None)
    assert again.preview.job_dir() == step_job
