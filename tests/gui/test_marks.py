"""Marks in the window: I, O and M make them, the panel edits and deletes them, undo and redo
work, they land in the job's marks.json; a damaged or changed marks.json is handled without
losing anything; times show as source timecode or elapsed time, as the setting says."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.marks import MARKS_NAME
from gui.marks.dialog import MarkDialog

from .conftest import focus, show_job


def _saved(job: Path) -> list[dict] | None:
    try:
        return json.loads((job / MARKS_NAME).read_text())["marks"]
    except (FileNotFoundError, ValueError):
        return None


def _press(qtbot, window, key: str) -> None:
    sequence = QKeySequence(key)[0]
    QTest.keyClick(QApplication.focusWidget(), sequence.key(), sequence.keyboardModifiers())


def test_i_o_and_m_make_marks_in_marks_json_with_undo_and_redo(qtbot, make_window, tc_job):
    window = make_window()
    show_job(qtbot, window, tc_job)
    marks, preview = window.tools.marks, window.preview
    focus(qtbot, window.queue_view)  # window-wide keys, wherever the focus is
    preview.set_position(2)
    _press(qtbot, window, "I")
    preview.set_position(5)
    _press(qtbot, window, "O")
    assert marks.in_out() == (2.0, 5.0)
    assert marks.panel.in_out.text() == "In 01:00:02:00   Out 01:00:05:00"
    _press(qtbot, window, "M")  # in and out set: a range, and they are cleared
    assert marks.in_out() == (None, None)
    preview.set_position(6)
    _press(qtbot, window, "M")  # a marker at the playhead
    expected = [
        {"start": 2.0, "end": 5.0, "name": "Range 1", "note": ""},
        {"start": 6.0, "end": None, "name": "Marker 2", "note": ""},
    ]
    qtbot.waitUntil(lambda: _saved(tc_job) == expected)
    rows = [marks.panel.list.item(i).data(Qt.ItemDataRole.AccessibleTextRole) for i in (0, 1)]
    assert rows == ["Range 1, 01:00:02:00 – 01:00:05:00", "Marker 2, 01:00:06:00"]

    _press(qtbot, window, "Ctrl+Z")
    qtbot.waitUntil(lambda: _saved(tc_job) == expected[:1])
    _press(qtbot, window, "Ctrl+Z")  # the range goes, and in and out come back
    qtbot.waitUntil(lambda: _saved(tc_job) == [])
    assert marks.in_out() == (2.0, 5.0)
    _press(qtbot, window, "Ctrl+Shift+Z")
    _press(qtbot, window, "Ctrl+Shift+Z")
    qtbot.waitUntil(lambda: _saved(tc_job) == expected)
    assert window.tools.marks.undo.text() == "Undo Add “Marker 2”"

    # Shift+M and Ctrl+Shift+M go from mark to mark.
    preview.set_position(0)
    _press(qtbot, window, "Shift+M")
    assert preview.position() == 2.0
    _press(qtbot, window, "Shift+M")
    assert preview.position() == 6.0
    _press(qtbot, window, "Ctrl+Shift+M")
    assert preview.position() == 2.0


def test_a_mark_is_edited_and_deleted_in_the_panel_and_undone(qtbot, make_window, tc_job):
    window = make_window()
    show_job(qtbot, window, tc_job)
    marks = window.tools.marks
    window.preview.set_position(3)
    marks.add_marker()
    qtbot.waitUntil(lambda: _saved(tc_job) is not None)
    listing = marks.panel.list
    focus(qtbot, listing)
    listing.setCurrentRow(0)
    QTest.keyClick(listing, Qt.Key.Key_F2)
    dialog = window.findChild(MarkDialog, "markDialog")
    assert dialog is not None and dialog.start.text() == "01:00:03:00"
    dialog.name.setText("Flash")
    dialog.end.setText("01:00:09:00")  # after the end of the video (8 s)
    dialog.accept()
    assert dialog.isVisible() and "outside the video" in dialog.error.text()
    dialog.end.setText("01:00:04:12")
    dialog.note.setPlainText("check exposure")
    dialog.accept()
    edited = [{"start": 3.0, "end": 4.48, "name": "Flash", "note": "check exposure"}]
    qtbot.waitUntil(lambda: _saved(tc_job) == edited)

    # Delete in the list deletes the mark, not the selected job (the same key elsewhere).
    focus(qtbot, listing)
    QTest.keyClick(listing, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _saved(tc_job) == [])
    assert len(window.model) == 1
    marks.undo.trigger()
    qtbot.waitUntil(lambda: _saved(tc_job) == edited)


def test_a_damaged_marks_json_is_reported_and_moved_aside_only_by_a_save(
    qtbot, make_window, tc_job
):
    damaged = b'{"version": 1, "marks": [{"start": '
    (tc_job / MARKS_NAME).write_bytes(damaged)
    window = make_window()
    show_job(qtbot, window, tc_job)
    bar = window.message_bar
    qtbot.waitUntil(lambda: "damaged" in bar.text.text())
    assert MARKS_NAME in bar.text.text() and bar.isVisible()
    assert window.tools.marks.marks() == []
    window.preview.set_position(4)
    assert (tc_job / MARKS_NAME).read_bytes() == damaged  # nothing written by reading it
    window.tools.marks.add_marker()
    qtbot.waitUntil(lambda: (tc_job / f"{MARKS_NAME}.bad").exists())
    assert (tc_job / f"{MARKS_NAME}.bad").read_bytes() == damaged
    qtbot.waitUntil(lambda: f"kept as {MARKS_NAME}.bad" in bar.text.text())
    assert [m["start"] for m in _saved(tc_job) or []] == [4.0]


def test_marks_changed_by_another_program_are_read_again_not_overwritten(
    qtbot, make_window, tc_job
):
    window = make_window()
    show_job(qtbot, window, tc_job)
    marks = window.tools.marks
    marks.add_marker()
    qtbot.waitUntil(lambda: _saved(tc_job) is not None)
    theirs = {"version": 1, "marks": [{"start": 7.0, "end": None, "name": "Theirs", "note": ""}]}
    path = tc_job / MARKS_NAME
    path.write_text(json.dumps(theirs))
    os.utime(path, ns=(1, 1))  # surely not the time it was read at
    window.preview.set_position(5)
    marks.add_marker()
    qtbot.waitUntil(lambda: "changed by another program" in window.message_bar.text.text())
    assert json.loads(path.read_text()) == theirs
    assert [(m.start, m.name) for m in marks.marks()] == [(7.0, "Theirs")]
    assert not marks.undo.isEnabled()  # the steps were about marks no longer there


def test_times_show_as_source_timecode_or_elapsed_time_as_set(qtbot, make_window, tc_job):
    window = make_window()
    show_job(qtbot, window, tc_job)
    preview = window.preview
    preview.set_position(4)
    assert preview.clock.text() == "01:00:04:00 / 01:00:08:00"
    assert window.tools.exports.handouts.copy_timecode() == "01:00:04:00"
    assert QApplication.clipboard().text() == "01:00:04:00"
    window.apply_settings(window.settings.with_changes(time_display="elapsed"))
    assert preview.clock.text() == "0:04 / 0:08"
    assert window.tools.exports.handouts.copy_timecode() == "0:00:04.00"
    assert not window.tools.show_timecode.isChecked()
    window.tools.show_timecode.trigger()  # the menu's switch is the same setting
    assert window.settings.time_display == "timecode"
    assert preview.timeline.accessibleDescription().startswith("Playhead at 01:00:04:00")
