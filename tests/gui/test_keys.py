"""The keys editors know, playback in time with a clock, and the window for keyboards and
screen readers: Tab reaches every control, each has a name and a description (as Qt's
accessibility interface reports them), the rows and the playhead say where they are."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAction, QColor, QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QTabBar, QWidget

from gui.preview.player import Player
from gui.preview.shortcuts import BINDINGS, PLAYBACK, ShortcutSheet, key_label
from tests.media import STEP_LEVELS

from .conftest import STEP_SECONDS, add_and_wait, focus, show_job

TOLERANCE = 12


def _luma(image: QImage) -> int:
    color = QColor(image.pixel(image.width() // 2, image.height() // 2))
    return round((color.red() + color.green() + color.blue()) / 3)


def test_timeline_keys_step_jump_and_go_to_snippet_boundaries(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    timeline = window.preview.timeline
    focus(qtbot, timeline)
    last = STEP_SECONDS - 1  # the last still (snippets start at 0, 3 and 6 s)
    presses = [
        (Qt.Key.Key_Home, None, 0),
        (Qt.Key.Key_Right, None, 1),
        (Qt.Key.Key_Right, None, 2),
        (Qt.Key.Key_Period, None, 3),  # next still
        (Qt.Key.Key_Comma, None, 2),  # previous still
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, last),  # 10 s, to the end
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, 0),
        (Qt.Key.Key_Down, None, 3),  # next snippet boundary
        (Qt.Key.Key_Down, None, 6),
        (Qt.Key.Key_Down, None, last),  # none after 6: the end
        (Qt.Key.Key_Up, None, 6),  # previous boundary
        (Qt.Key.Key_Up, None, 3),
        (Qt.Key.Key_Left, None, 2),
        (Qt.Key.Key_Up, None, 0),
        (Qt.Key.Key_End, None, last),
    ]
    for key, modifier, expected in presses:
        QTest.keyClick(timeline, key, modifier or Qt.KeyboardModifier.NoModifier)
        assert timeline.position() == expected, (key, modifier)
        image = window.preview.frame_view.image()
        assert image is not None and abs(_luma(image) - STEP_LEVELS[expected]) <= TOLERANCE


def test_arrows_move_through_the_queue_when_it_has_the_focus(
    qtbot, make_window, step_job, step_video
):
    window = make_window()
    window.scheduler.set_held(True)
    add_and_wait(qtbot, window, [step_video])
    show_job(qtbot, window, step_job)
    assert window.queue_view.currentIndex().row() == 1  # the job opened is selected
    focus(qtbot, window.queue_view)
    QTest.keyClick(window.queue_view, Qt.Key.Key_Up)
    assert window.queue_view.currentIndex().row() == 0  # the queue moved, not the playhead


def test_space_plays_and_pauses_wherever_the_focus_is(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    timeline = window.preview.timeline
    for focused in (window.queue_view, timeline, window.transport[1]):
        focus(qtbot, focused)
        QTest.keyClick(focused, Qt.Key.Key_Space)
        if focused is window.transport[1]:  # a focused button takes Space itself: it plays
            assert timeline.speed() == 1
            QTest.keyClick(focused, Qt.Key.Key_Space)
            assert timeline.speed() == 0
            continue
        assert timeline.speed() == 1, focused
        assert window.playback["play_pause"].text() == "Pause"
        QTest.keyClick(focused, Qt.Key.Key_Space)
        assert timeline.speed() == 0
        assert window.playback["play_pause"].text() == "Play"
    # At the end, Space plays from the start again.
    timeline.run_command("end")
    QTest.keyClick(window.queue_view, Qt.Key.Key_Space)
    assert timeline.speed() == 1 and timeline.position() < 1
    QTest.keyClick(window.queue_view, Qt.Key.Key_K)
    assert timeline.speed() == 0


def test_a_focused_button_keeps_space(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    pressed = []
    window.message_bar.show_message("A note", actions=[("Do it", lambda: pressed.append(1))])
    button = next(
        b for b in window.message_bar.findChildren(QWidget) if b.property("text") == "Do it"
    )
    focus(qtbot, button)
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert pressed == [1]
    assert window.preview.timeline.speed() == 0  # the button took the key, not playback


def test_j_k_l_shuttle(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    timeline = window.preview.timeline
    focus(qtbot, window.queue_view)  # J, K and L work wherever the focus is
    QTest.keyClick(window.queue_view, Qt.Key.Key_L)
    QTest.keyClick(window.queue_view, Qt.Key.Key_L)
    assert timeline.speed() == 2
    qtbot.waitUntil(lambda: timeline.position() >= 1)
    assert "2×" in window.preview.clock.text()
    QTest.keyClick(window.queue_view, Qt.Key.Key_K)
    assert timeline.speed() == 0
    QTest.keyClick(window.queue_view, Qt.Key.Key_J)
    assert timeline.speed() == -1
    QTest.keyClick(window.queue_view, Qt.Key.Key_K)
    assert timeline.speed() == 0


def test_playback_follows_the_clock_even_when_ticks_come_late(qapp):
    """The position is the clock's, not a count of ticks: a tick 2.5 s late (a busy
    machine) still lands where 2.5 s of playback is."""
    now = [100.0]
    player = Player(clock=lambda: now[0])
    moved: list[float] = []
    player.moved.connect(moved.append)
    player.play(3.0, 1)
    now[0] += 2.5
    player._tick()
    player.faster(player.position_now(), 1)  # L again: 2×
    now[0] += 1.0
    player._tick()
    player.play(player.position_now(), -4)
    now[0] += 0.5
    player._tick()
    player.stop()
    assert moved == [5.5, 7.5, 5.5]


def test_playing_shows_the_stills_and_the_gif_in_time(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    preview = window.preview
    timeline = preview.timeline
    timeline.run_command("home")
    began = time.monotonic()
    timeline.run_command("toggle_play")
    qtbot.waitUntil(lambda: timeline.position() >= 2.2, timeout=10_000)
    elapsed = time.monotonic() - began
    position = timeline.position()
    timeline.run_command("toggle_play")  # pause
    assert position <= elapsed + 0.05  # never ahead of the clock
    assert elapsed - position < 1.0  # and not behind by more than a late refresh
    second = int(timeline.position())
    assert abs(_luma(preview.frame_view.image()) - STEP_LEVELS[second]) <= TOLERANCE
    gif = preview.gif_view
    frame = int((timeline.position() - 0) * 5)
    qtbot.waitUntil(lambda: gif.frame() == frame)
    assert abs(_luma(gif.current_image()) - STEP_LEVELS[second]) <= TOLERANCE


def test_every_key_is_bound_once_and_in_the_sheet(qtbot, make_window):
    window = make_window()
    window.commands.shortcuts.trigger()
    sheet = window.findChild(ShortcutSheet)
    assert sheet is not None and sheet.isVisible()
    shown = " ".join(keys for rows in sheet.sections.values() for keys, _ in rows)
    actions = {a for a in window.findChildren(QAction) if not a.shortcut().isEmpty()}
    actions |= {a for a in window.preview.timeline.actions() if not a.shortcut().isEmpty()}
    keys = [a.shortcut().toString() for a in actions]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for key in keys:
        assert key_label(key) in shown, key
    for binding in PLAYBACK:
        assert key_label(binding.key) in shown
    # The editors' keys for marks and the clipboard.
    by_key = {a.shortcut().toString(): a.objectName() for a in actions}
    for key, name in [
        ("I", "set_in"),
        ("O", "set_out"),
        ("M", "add_marker"),
        ("Ctrl+C", "copy_still"),
        ("Ctrl+Shift+C", "copy_timecode"),
    ]:
        assert by_key[QKeySequence(key).toString()] == name == BINDINGS[name].name
    sheet.reject()


def test_every_row_action_is_in_the_queue_menu_and_the_context_menu(
    qtbot, make_window, step_video, text_file
):
    from .conftest import wait_finished

    window = make_window()
    add_and_wait(qtbot, window, [text_file, step_video])
    wait_finished(qtbot, window)
    menu_bar = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    queue_items = {a.text() for a in menu_bar["Queue"].actions()}
    for action in window.jobs.actions.values():
        assert action.text() in queue_items
    playback_items = {a.text() for a in menu_bar["Playback"].actions()}
    assert {"Play", "Next still", "Previous snippet boundary", "Go to end"} <= playback_items

    bad, good = list(window.model)
    window.select(good.id)
    qtbot.waitUntil(lambda: window.tools.exports.actions["save_still"].isEnabled())
    menu = window.jobs.context_menu(
        window, window.queue_view.mapToGlobal(window.queue_view.rect().center())
    )
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[0] == "Export…" and texts[-2:] == ["Show output folder", "Remove from queue"]
    assert {"Save still as…", "Export GIF of in–out range…", "Add marker"} <= set(texts)
    menu.close()
    window.select(bad.id)  # a text file: no retry, no folder (it has none)
    menu = window.jobs.context_menu(
        window, window.queue_view.mapToGlobal(window.queue_view.rect().center())
    )
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == ["Remove from queue"]
    menu.close()


def _accessible(widget: QWidget) -> tuple[str, str]:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None, widget
    return iface.text(QAccessible.Text.Name), iface.text(QAccessible.Text.Description)


def _controls(root: QWidget) -> list[QWidget]:
    """The controls Tab reaches under ``root`` (the parts of a spin box or an editable list
    of choices are the control itself to a screen reader)."""
    return [
        w
        for w in root.findChildren(QWidget)
        if w.isVisible()
        and w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not isinstance(w.parent(), QAbstractSpinBox | QComboBox)
    ]


def _unnamed(root: QWidget) -> list[tuple[str, str, QWidget]]:
    """Controls without a name or a description (Qt gives a tab bar no description: its
    tabs have names and tooltips)."""
    found = []
    for widget in _controls(root):
        name, description = _accessible(widget)
        if not name or not (description or isinstance(widget, QTabBar)):
            found.append((name, description, widget))
    return found


def test_tab_reaches_every_control_and_each_is_named_and_described(qtbot, make_window, step_job):
    window = make_window()
    show_job(qtbot, window, step_job)
    window.message_bar.show_message("Something to act on", actions=[("Fix", lambda: None)])
    controls = _controls(window)
    assert window.queue_view in controls and window.preview.timeline in controls
    assert _unnamed(window) == []
    first = window.commands.toolbar.widgetForAction(window.commands.add_videos)
    focus(qtbot, first)
    reached = {first}
    for _ in range(3 * len(controls)):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget())
    assert set(controls) <= reached, [(_accessible(w)[0], w) for w in set(controls) - reached]
    window.message_bar.dismiss()


def test_rows_and_the_playhead_tell_screen_readers_where_they_are(
    qtbot, make_window, step_job, step_video
):
    window = make_window()
    window.scheduler.set_held(True)
    add_and_wait(qtbot, window, [step_video])
    show_job(qtbot, window, step_job)
    view = QAccessible.queryAccessibleInterface(window.queue_view)
    rows = [view.child(i) for i in range(view.childCount())]
    names = [row.text(QAccessible.Text.Name) for row in rows]
    assert names == [f"{step_video.name}, waiting", f"{step_video.name}, done"]
    assert "Waiting to start" in rows[0].text(QAccessible.Text.Description)
    assert "100% done" in rows[1].text(QAccessible.Text.Description)
    window.preview.set_position(4.2)
    _, description = _accessible(window.preview.timeline)
    assert description == "Playhead at 0:04 of 0:08; snippet 2 of 3 (rendered)"
    _, still = _accessible(window.preview.frame_view)
    assert still == "Still 5 of 8, at 0:04"


def test_the_dialogs_controls_are_named_and_described(qtbot, make_window):
    window = make_window()
    dialog = window.open_settings()
    for backend in ("local", "lambda"):  # each backend shows its own settings
        dialog.editor("backend").setCurrentIndex(dialog.editor("backend").findData(backend))
        assert len(_controls(dialog)) > 10
        assert _unnamed(dialog) == [], backend
    dialog.reject()
    sheet = window.show_shortcuts()
    assert _unnamed(sheet) == []
    sheet.reject()
