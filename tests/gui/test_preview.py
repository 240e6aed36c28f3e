"""The preview of a processed job: scrubbing shows the right still and the GIF's picture of
that time, hover thumbnails, unrendered and approximate pictures, reopening jobs. (Keys and
playback: test_keys.py.)"""

from __future__ import annotations

import json
import shutil

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.layout import MANIFEST_NAME, gif_relpath
from core.manifest import DONE
from gui.preview.timeline_model import TimelineModel
from tests.media import STEP_LEVELS

from .conftest import STEP_SECONDS, close_window, show_job

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


def test_scrubbing_to_a_second_shows_the_still_of_that_second(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    timeline = window.preview.timeline
    for second in range(STEP_SECONDS):
        window.preview.set_position(second + 0.5)
        qtbot.waitUntil(lambda: window.preview.frame_view.image() is not None)
        assert abs(_painted_luma(window) - STEP_LEVELS[second]) <= TOLERANCE, second

    # A click on the timeline at a time shows that time's still.
    x = round(timeline.x_of(5.5))
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, timeline.height() // 2))
    assert int(timeline.position()) == 5
    assert abs(_painted_luma(window) - STEP_LEVELS[5]) <= TOLERANCE


def test_the_gif_shows_its_picture_of_the_playheads_time(qtbot, make_window, step_job):
    """Not a loop running on its own: the GIF's picture is the one of the playhead's time,
    also going backward (its pictures build on the ones before)."""
    window = make_window()
    show_job(qtbot, window, step_job)
    gif = window.preview.gif_view
    for t in (4.2, 5.6, 7.0, 0.0, 2.8, 3.0, 1.4):
        window.preview.set_position(t)
        snippet = int(t // 3)
        frame = int(round((t - snippet * 3) * 5, 6))  # 5 pictures a second (FAST)
        wanted = (step_job / gif_relpath(snippet), frame)
        qtbot.waitUntil(lambda w=wanted: (gif.path(), gif.frame()) == w)
        assert gif.frame_count() == (10 if snippet == 2 else 15)  # 3 s (the last: 2 s) at 5 fps
        assert abs(_luma(gif.current_image()) - STEP_LEVELS[int(t)]) <= TOLERANCE, t


def test_hovering_the_timeline_shows_a_thumbnail(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    timeline = window.preview.timeline
    hover = window.preview.hover
    QTest.mouseMove(timeline, QPoint(round(timeline.x_of(6.5)), timeline.height() // 2))
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
    show_job(qtbot, window, job)
    window.preview.set_position(4)
    assert window.preview.frame_view.image() is None
    assert "Snippet 2 is not rendered yet" in window.preview.frame_view._message
    qtbot.waitUntil(lambda: window.preview.gif_view.path() is None)
    window.preview.mark_snippet(1, DONE)  # as when the snippet finishes while watched
    assert window.preview.frame_view.image() is not None
    qtbot.waitUntil(lambda: window.preview.gif_view.path() == job / gif_relpath(1))


def test_approximate_pictures_fill_in_where_stills_are_not_rendered(
    qtbot, make_window, step_job, tmp_path
):
    """Where a snippet is not rendered, the nearest overview picture stands in, badged."""
    job = tmp_path / "partial"
    shutil.copytree(step_job, job)
    data = json.loads((job / MANIFEST_NAME).read_text())
    data["snippets"][1].update(status="pending", gif=None)
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    window = make_window()
    show_job(qtbot, window, job)
    model = window.preview.model()
    overview = [(float(t), job / "frames" / f"{t:06d}.jpg") for t in (0, 6)]
    window.preview.set_job(TimelineModel(**{**model.__dict__, "overview": overview}), 4.0)
    view = window.preview.frame_view
    assert view.image() is not None and view.approximate()
    assert abs(_painted_luma(window) - STEP_LEVELS[6]) <= TOLERANCE  # 0:06 is nearer 0:04
    window.preview.set_position(1.0)
    assert not view.approximate()  # rendered: the fine still, no badge


def test_an_earlier_job_reopens_from_recent_jobs(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    close_window(qtbot, window)
    again = make_window()
    menu = again.commands.recent_menu
    menu.aboutToShow.emit()
    first = menu.actions()[0]
    assert first.text() == step_job.name
    first.trigger()
    qtbot.waitUntil(lambda: again.preview.model() is not None)
    assert again.preview.job_dir() == step_job
