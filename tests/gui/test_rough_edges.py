"""What a first run showed wrong, each kept from coming back: posters, a portrait GIF and
the smallest window, a palette change while running, a failed job's timeline, files refused
before any work, messages that stay until read, the selection after a restart, and the
still size picked for the screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPalette, QStatusTipEvent
from PySide6.QtWidgets import QApplication

from core.layout import MANIFEST_NAME, frame_relpath
from gui.message_bar import ERROR, INFO
from gui.preview.panel import SIDE_MIN
from gui.queue.delegate import thumbnail_key
from gui.queue.poster import choose_poster
from gui.theme import DARK, LIGHT, palette_for, set_palette
from gui.user_settings import still_width_for_screen
from gui.window_layout import MIN_SIZE
from tests import media

from .conftest import add_and_wait, close_window, wait_finished

ROOT = Path(__file__).resolve().parents[2]
# Black until 0:02, fading in to 0:03: the still at a tenth (0:01) is black.
FADE_IN = media.Spec("fade-in.mp4", "testsrc2=s=64x36:r=5:d=10,fade=in:st=2:d=1")
PORTRAIT = media.Spec("portrait.mp4", "testsrc2=s=36x64:r=5:d=6")


def _area(rect: QRectF) -> float:
    return rect.width() * rect.height()


def test_the_poster_skips_black_stills_and_keeps_the_shape(
    qtbot, make_window, make_video, user_settings
):
    window = make_window()
    fade, portrait = make_video(FADE_IN), make_video(PORTRAIT)
    add_and_wait(qtbot, window, [fade, portrait])
    wait_finished(qtbot, window)
    faded, upright = list(window.model)
    poster = choose_poster(faded.job_dir)
    assert poster.path == faded.job_dir / frame_relpath(3) and poster.final  # not black
    # While snippets finish, the poster is the best still so far; at the end, these.
    qtbot.waitUntil(lambda: faded.poster == faded.job_dir / frame_relpath(3))
    qtbot.waitUntil(lambda: upright.poster == upright.job_dir / frame_relpath(1))  # at 0:00.6
    image = window.cache.load_now(thumbnail_key(upright))
    assert image is not None and image.height() > image.width()  # portrait, not squashed


@pytest.mark.parametrize("video", ["step", "portrait"])
def test_at_the_smallest_window_the_still_is_larger_than_the_gif(
    qtbot, make_window, make_video, step_video, video
):
    window = make_window()
    path = step_video if video == "step" else make_video(PORTRAIT)
    add_and_wait(qtbot, window, [path])
    wait_finished(qtbot, window)
    window.resize(*MIN_SIZE)
    qtbot.waitUntil(lambda: window.size().toTuple() == MIN_SIZE)
    preview = window.preview
    qtbot.waitUntil(lambda: preview.model() is not None and bool(preview.gif_view.current_image()))
    qtbot.wait(50)  # the layout settles
    assert preview.side.width() == SIDE_MIN  # the GIF column gave way first
    gif = preview.gif_view
    picture = gif.screen.picture_rect()
    assert _area(preview.frame_view.image_rect()) > 2 * _area(picture)
    # The caption sits below the GIF, never on it.
    screen = gif.screen.geometry()
    assert gif.caption.geometry().top() >= screen.bottom()
    assert picture.height() <= screen.height() and picture.width() <= screen.width()


def _lightness(icon_image: QImage) -> int:
    """The lightness of an icon's drawn pixels."""
    seen = [
        QColor(icon_image.pixel(x, y))
        for x in range(icon_image.width())
        for y in range(icon_image.height())
        if QColor.fromRgba(icon_image.pixel(x, y)).alpha() > 200
    ]
    return round(sum(c.lightness() for c in seen) / len(seen))


def test_a_palette_change_while_running_repaints_icons_and_text(qtbot, qapp, make_window):
    window = make_window()
    before = qapp.palette()
    try:
        for scheme, light_icons in ((DARK, True), (LIGHT, False), (DARK, True)):
            set_palette(qapp, palette_for(scheme))
            text = palette_for(scheme).color(QPalette.ColorRole.WindowText)
            qtbot.waitUntil(lambda t=text: window.icons.color == t)
            for action in (window.commands.add_videos, window.commands.toggle_queue):
                lightness = _lightness(action.icon().pixmap(24, 24).toImage())
                assert (lightness > 150) == light_icons, (scheme, action.text(), lightness)
            title = window.preview.title.palette().color(QPalette.ColorRole.WindowText)
            assert title == palette_for(scheme).color(QPalette.ColorRole.WindowText)
    finally:
        set_palette(qapp, before)


def test_a_refused_file_has_no_folder_and_says_what_to_do(
    qtbot, make_window, text_file, user_settings
):
    window = make_window()
    add_and_wait(qtbot, window, [text_file])
    wait_finished(qtbot, window)
    entry = window.model.entry_at(0)
    assert entry.rejected and entry.job_dir is None
    assert not user_settings.output_folder.exists() or not any(
        user_settings.output_folder.iterdir()
    )  # no folder holding only manifest.json
    window.select(entry.id)
    qtbot.waitUntil(lambda: window.preview.title.text() == text_file.name)
    preview = window.preview
    assert preview.frame_view.message() == f"{text_file.name}: it is a text file, not a video"
    assert preview.timeline.placeholder().startswith(
        "Nothing to scrub: FrameFan cannot use this file. Remove it from the queue (Delete)"
    )
    enabled = [n for n, a in window.jobs.actions.items() if a.isEnabled()]
    assert enabled == ["remove"]  # no Retry, no output folder: neither could help
    assert not any(b.isVisible() for b in window.transport)

    # Fixed (say it was still being copied): adding it again tries it again.
    text_file.write_bytes(media.make(media.H264_MP4, text_file.parent).read_bytes())
    intake = add_and_wait(qtbot, window, [text_file])
    assert intake.again == [entry.id]
    wait_finished(qtbot, window)
    assert entry.status == "done" and (entry.job_dir / MANIFEST_NAME).is_file()


def test_messages_stay_until_read_or_replaced_by_something_more_important(
    qtbot, make_window, tmp_path
):
    window = make_window()
    add_and_wait(qtbot, window, [tmp_path / "gone.mov"])
    bar = window.message_bar
    assert bar.isVisible() and bar.text.text() == "Not found: gone.mov"
    qtbot.wait(700)  # long after the half second that used to wipe it
    assert bar.text.text() == "Not found: gone.mov"

    bar.show_message("The output folder cannot be written. The queue is paused.", ERROR)
    bar.show_message("Added 1 video; not found: other.mov", INFO, key="intake")
    assert bar.text.text().startswith("The output folder")  # the problem stays in front
    assert bar.waiting() == 1  # the newer note replaced the older one, behind it
    bar.dismiss()
    assert bar.text.text() == "Added 1 video; not found: other.mov"
    bar.dismiss()
    assert not bar.isVisible()

    # Passing over a menu item (an empty status tip) leaves the status bar's message.
    window.statusBar().showMessage("Settings saved. New jobs use snippet length 4 s.")
    QApplication.sendEvent(window, QStatusTipEvent(""))
    assert window.statusBar().currentMessage().startswith("Settings saved.")


def test_the_job_selected_last_is_selected_after_a_restart(
    qtbot, make_window, tmp_path, step_video
):
    window = make_window()
    window.scheduler.set_held(True)
    copies = []
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        copies.append(tmp_path / name)
        copies[-1].write_bytes(step_video.read_bytes())
    add_and_wait(qtbot, window, copies)
    chosen = window.model.entry_at(1)
    window.select(chosen.id)
    close_window(qtbot, window)
    again = make_window()
    assert again.selected() is not None and again.selected().id == chosen.id


@pytest.mark.parametrize(
    ("width", "ratio", "expected"),
    [(800, 1, 640), (1366, 1, 640), (1680, 1, 960), (1920, 1, 1280), (1440, 2, 1280),
     (3840, 1, 1280)],
)  # fmt: skip
def test_the_still_size_is_picked_for_the_screen(width, ratio, expected):
    assert still_width_for_screen(width, ratio) == expected


def test_a_new_profile_on_a_hidpi_screen_gets_larger_stills(tmp_path):
    screens = tmp_path / "screens.json"
    screens.write_text(
        '{"screens": [{"name": "hidpi", "x": 0, "y": 0, "width": 1440, "height": 900,'
        ' "logicalDpi": 96, "dpr": 2}]}'
    )
    code = (
        "from pathlib import Path; from gui.app import make_app; make_app([]);"
        "from gui.user_settings import SettingsStore;"
        f"store = SettingsStore(Path({str(tmp_path / 'settings.ini')!r}));"
        "print(store.load().processing.frame_width)"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}"}
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.stdout.split() == ["1280"], run.stderr
