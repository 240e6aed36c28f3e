"""Jobs made with settings other than the current ones: marked on their rows, re-adding
their video offers a re-render (in place, or in a new folder), and saving the settings says
what happens to each job of the queue."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.layout import job_dir_for
from core.manifest import DONE, Manifest
from core.settings import Settings
from gui.queue.entry import QUEUED, QueueEntry
from gui.queue.settings_drift import describe_change, differences, fresh_job_dir
from gui.user_settings import UserSettings

from .conftest import FAST, add_and_wait, wait_finished

FOUR = FAST.with_changes(snippet_seconds=4)


def _row_text(window, entry: QueueEntry, role: Qt.ItemDataRole) -> str:
    return window.model.index_of(entry.id).data(role) or ""


def test_rerendering_in_place_and_in_a_new_folder(qtbot, make_window, step_video, user_settings):
    window = make_window()
    add_and_wait(qtbot, window, [step_video])
    wait_finished(qtbot, window)
    entry = window.model.entry_at(0)
    assert entry.settings == FAST and not window.model.is_stale(entry)

    window.apply_settings(user_settings.with_changes(processing=FOUR))
    assert window.statusBar().currentMessage() == (
        "Settings saved. New jobs use snippet length 4 s. 1 finished job keeps its results, "
        "marked “Earlier settings” (Queue ▸ Re-render with current settings applies the new "
        "ones)."
    )
    assert window.model.is_stale(entry)
    tooltip = _row_text(window, entry, Qt.ItemDataRole.ToolTipRole)
    assert "Made with earlier settings: snippet length 3 s (now 4 s)" in tooltip
    description = _row_text(window, entry, Qt.ItemDataRole.AccessibleDescriptionRole)
    assert "made with earlier settings" in description

    # Adding the same video again does not silently reuse the old result: it asks.
    intake = add_and_wait(qtbot, window, [step_video])
    assert [e.entry_id for e in intake.earlier] == [entry.id] and not intake.duplicates
    assert window.message_bar.text.text() == (
        f"{step_video.name} was made with earlier settings (snippet length 3 s (now 4 s)). "
        "Re-render it with the current settings?"
    )
    assert window.message_bar.button_texts() == [
        "Re-render in a new folder",
        "Re-render in place",
        "Keep earlier results",
    ]
    window.select(entry.id)
    window.message_bar.click("Re-render in place")
    assert not window.message_bar.isVisible()
    wait_finished(qtbot, window)
    assert entry.status == DONE and len(window.model) == 1
    manifest = Manifest.load(entry.job_dir)
    assert manifest.settings == FOUR and len(manifest.snippets) == 2  # 8 s in 4 s snippets
    assert not window.model.is_stale(entry) and not entry.rerender
    qtbot.waitUntil(lambda: window.preview.model() is not None)
    qtbot.waitUntil(lambda: window.preview.model().snippet_count == 2)

    # In a new folder: the earlier job stays as it is, beside the new one.
    six = FAST.with_changes(snippet_seconds=6)
    window.apply_settings(user_settings.with_changes(processing=six))
    window.select(entry.id)
    assert window.jobs.actions["rerender_new"].isEnabled()
    window.jobs.actions["rerender_new"].trigger()
    wait_finished(qtbot, window)
    first, second = list(window.model)
    assert second.job_dir == job_dir_for(user_settings.output_folder, step_video, 2)
    assert Manifest.load(second.job_dir).settings == six
    assert Manifest.load(first.job_dir).settings == FOUR  # untouched
    assert window.selected() is second


def test_a_job_left_by_an_earlier_session_is_shown_and_offered(
    qtbot, make_window, step_video, user_settings
):
    window = make_window()
    add_and_wait(qtbot, window, [step_video])
    wait_finished(qtbot, window)
    done = window.model.entry_at(0)
    window.run_row_action(done.id, "remove")  # out of the queue; its folder stays
    window.apply_settings(user_settings.with_changes(processing=FOUR))

    intake = add_and_wait(qtbot, window, [step_video])
    assert not intake.new and len(intake.earlier) == 1
    shown = window.model.entry_at(0)
    assert (shown.job_dir, shown.status, shown.settings) == (done.job_dir, DONE, FAST)
    assert window.model.is_stale(shown) and window.scheduler.is_idle()  # not run silently
    window.message_bar.click("Keep earlier results")
    assert not window.message_bar.isVisible()
    assert Manifest.load(done.job_dir).settings == FAST


def test_what_a_change_of_settings_does_to_each_job(tmp_path):
    old = UserSettings(processing=FAST, output_folder=tmp_path / "a")
    new = old.with_changes(processing=FOUR, output_folder=tmp_path / "b", backend="lambda")
    entries = [
        QueueEntry("/v/run.mp4", "run.mp4", "local", status="running", settings=FAST),
        QueueEntry("/v/new.mp4", "new.mp4", "local"),
        QueueEntry("/v/old.mp4", "old.mp4", "local", tmp_path / "o", QUEUED, settings=FAST),
        QueueEntry("/v/done.mp4", "done.mp4", "local", tmp_path / "d", DONE, settings=FAST),
        QueueEntry("/v/same.mp4", "same.mp4", "local", tmp_path / "s", DONE, settings=FOUR),
    ]
    assert describe_change(old, new, entries) == (
        "Settings saved. New jobs use snippet length 4 s. 1 running job continues with the "
        "settings it started with. 1 waiting job will use the new settings. 1 waiting job "
        "resumes its earlier work with its earlier settings. 1 finished job keeps its "
        "results, marked “Earlier settings” (Queue ▸ Re-render with current settings applies "
        f"the new ones). Jobs that have not started are written to {tmp_path / 'b'}; jobs "
        "already started stay in their folders. Videos added from now on run on AWS Lambda; "
        "2 waiting jobs added before still run on Local."
    )
    assert describe_change(old, old, entries) == "Settings unchanged."
    assert differences(FAST, Settings()) == [
        "snippet length 3 s (now 30 s)",
        "GIF frame rate 5 fps (now 10 fps)",
        "GIF width 64 px (now 240 px)",
        "frame width video size (now 640 px)",
        "JPEG quality 90 (now 85)",
    ]
    taken = {job_dir_for(tmp_path, "/v/x.mp4", 2)}
    job_dir_for(tmp_path, "/v/x.mp4", 3).mkdir(parents=True)
    assert fresh_job_dir(tmp_path, "/v/x.mp4", taken) == job_dir_for(tmp_path, "/v/x.mp4", 4)
    assert Path(fresh_job_dir(tmp_path, "/v/x.mp4", set())).name.endswith("-2")
