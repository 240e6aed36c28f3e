"""Settings, UI state and the queue survive closing the window."""

from __future__ import annotations

import shutil
from pathlib import Path

import psutil
from PySide6.QtCore import QSettings

from core.errors import SettingsError
from core.manifest import DONE, Manifest
from core.settings import Settings
from gui.queue.entry import QUEUED
from gui.user_settings import SettingsStore, UserSettings

from .conftest import add_and_wait, close_window, wait_finished


def test_settings_persist_across_a_new_window(qtbot, make_window, app_dirs, tmp_path):
    window = make_window()
    dialog = window.open_settings()
    dialog.editor("snippet_seconds").setValue(12)
    dialog.editor("gif_fps").setValue(15)
    dialog.editor("gif_width").setValue(320)
    dialog.editor("frame_interval").setValue(2.5)
    dialog.editor("frames").setChecked(False)
    dialog.editor("overview").setChecked(False)
    dialog.editor("local.workers").setValue(3)
    dialog.editor("output_folder").line.setText(str(tmp_path / "previews"))
    assert not dialog.editor("frame_width").isEnabled()  # no stills: their width is moot
    dialog.accept()
    expected = UserSettings(
        processing=Settings(
            snippet_seconds=12, gif_fps=15, gif_width=320, frame_interval=2.5, frames=False,
            frame_width=0, jpeg_quality=90,
        ),
        output_folder=tmp_path / "previews",
        overview=False,
    ).with_backend_values("local", workers=3)  # fmt: skip
    assert window.settings == expected
    close_window(qtbot, window)

    again = make_window()
    assert again.settings == expected
    dialog = again.open_settings()
    assert dialog.editor("snippet_seconds").value() == 12
    assert dialog.editor("frames").isChecked() is False
    assert dialog.values() == expected
    dialog.reject()

    # Window layout is UI state, kept apart from the settings.
    settings_keys = QSettings(str(app_dirs.settings_file), QSettings.Format.IniFormat).allKeys()
    state_keys = QSettings(str(app_dirs.ui_state_file), QSettings.Format.IniFormat).allKeys()
    assert "geometry" in state_keys and "geometry" not in settings_keys
    assert "processing/snippet_seconds" in settings_keys


def test_an_invalid_setting_is_explained_and_cannot_be_saved(qtbot, make_window):
    window = make_window()
    dialog = window.open_settings()
    width = dialog.editor("frame_width")
    width.setValue(8)  # not one of the presets: "Other…" and its box show it
    assert width.combo.currentText() == "Other…" and width.spin.isVisibleTo(dialog)
    assert dialog.error.text() == "Frame width must be 0 (video size) or at least 16 px"
    assert not dialog._ok.isEnabled()
    width.combo.setCurrentIndex(width.combo.findText("Video size"))
    assert dialog.error.text() == "" and dialog._ok.isEnabled()
    assert width.value() == 0 and not width.spin.isVisibleTo(dialog)
    assert [width.combo.itemText(i) for i in range(width.combo.count())] == [
        "640 px", "960 px", "1280 px", "Video size", "Other…",
    ]  # fmt: skip
    dialog.reject()


def test_saved_values_that_no_longer_validate_fall_back_to_defaults(app_dirs, tmp_path):
    raw = QSettings(str(app_dirs.settings_file), QSettings.Format.IniFormat)
    raw.setValue("processing/gif_fps", "900")
    raw.setValue("processing/snippet_seconds", "12")
    raw.setValue("backend-local/workers", "lots")
    raw.setValue("app/backend", "mainframe")
    raw.setValue("app/overview", "sometimes")
    raw.setValue("app/output_folder", str(tmp_path))
    raw.sync()
    loaded = SettingsStore(app_dirs.settings_file).load()
    defaults = UserSettings()
    assert loaded.processing == Settings(snippet_seconds=12)
    assert loaded.values_of("local") == defaults.values_of("local")
    assert loaded.backend == defaults.backend
    assert loaded.overview is True
    assert loaded.output_folder == tmp_path
    try:
        defaults.with_backend_values("local", workers=0)
    except SettingsError as exc:
        assert "Parallel snippets" in str(exc)
    else:
        raise AssertionError("workers=0 accepted")


def test_the_queue_and_its_state_survive_a_restart(qtbot, make_window, tmp_path, step_video):
    window = make_window()
    add_and_wait(qtbot, window, [step_video])
    wait_finished(qtbot, window)
    window.scheduler.set_held(True)
    waiting = []
    for name in ("b-roll.mp4", "interview.mov"):
        waiting.append(tmp_path / name)
        shutil.copy(step_video, waiting[-1])
    add_and_wait(qtbot, window, waiting)
    window.model.move(2, 1)
    close_window(qtbot, window)

    again = make_window()
    entries = list(again.model)
    assert [e.name for e in entries] == [step_video.name, "interview.mov", "b-roll.mp4"]
    assert [e.status for e in entries] == [DONE, QUEUED, QUEUED]
    qtbot.waitUntil(lambda: entries[0].fraction == 1.0)  # progress read back from its manifest
    assert entries[0].duration == 8.0
    # Unfinished work waits for the user, who is told so.
    assert again.scheduler.held
    assert again.message_bar.isVisible() and "2 unfinished jobs" in again.message_bar.text.text()
    again.message_bar.click("Start queue")
    wait_finished(qtbot, again)
    assert [e.status for e in again.model] == [DONE, DONE, DONE]


def _finished_outputs(job_dir: Path) -> dict[str, tuple[int, int]]:
    """The GIF and stills of each finished snippet, with their inode and modification time
    (a render writes a new file under a temporary name, so both change if it runs again)."""
    manifest = Manifest.load(job_dir)
    paths = []
    for snippet in manifest.snippets:
        if snippet.status == DONE and snippet.gif:
            paths.append(snippet.gif)
            paths += [f.path for f in manifest.frames if snippet.start <= f.t < snippet.end]
    stats = {path: (job_dir / path).stat() for path in paths}
    return {path: (st.st_ino, st.st_mtime_ns) for path, st in stats.items()}


def test_closing_mid_job_stops_ffmpeg_and_resumes_next_time(
    qtbot, make_window, long_video, user_settings
):
    window = make_window()
    window.apply_settings(user_settings.with_backend_values("local", workers=1))
    add_and_wait(qtbot, window, [long_video])
    entry = window.model.entry_at(0)
    qtbot.waitUntil(lambda: entry.done >= 1, timeout=30_000)
    close_window(qtbot, window)
    assert not psutil.Process().children(recursive=True)  # ffmpeg stopped with the window
    finished = _finished_outputs(entry.job_dir)
    assert any(path.endswith(".gif") for path in finished)

    again = make_window()
    restored = again.model.entry_at(0)
    assert restored.status == QUEUED and again.scheduler.held
    assert "1 unfinished job from last time is waiting" in again.message_bar.text.text()
    again.message_bar.click("Start queue")
    wait_finished(qtbot, again)
    assert restored.status == DONE
    # What was finished before the restart was kept, not rendered again.
    assert {p: v for p, v in _finished_outputs(entry.job_dir).items() if p in finished} == finished


def test_aws_settings_persist_and_show_only_with_their_backend(
    qtbot, make_window, app_dirs, monkeypatch, tmp_path
):
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-1\n[profile editor]\nregion = eu-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    window = make_window()
    dialog = window.open_settings()
    stack, profile = dialog.editor("lambda.stack"), dialog.editor("lambda.profile")
    assert not stack.isVisible() and dialog.editor("local.workers").isVisible()
    dialog.editor("backend").setCurrentIndex(dialog.editor("backend").findData("lambda"))
    assert stack.isVisible() and not dialog.editor("local.workers").isVisible()
    # The profiles of the AWS configuration are offered; any other name can be typed.
    assert [profile.itemText(i) for i in range(profile.count())] == ["default", "editor"]
    stack.setText("framefan-prod")
    profile.setCurrentText("editor")
    dialog.editor("lambda.region").setText("eu-central-1")
    # How videos are sent, and the upload limit (0 reads "No limit").
    upload, limit = dialog.editor("lambda.upload"), dialog.editor("lambda.upload_limit_mbps")
    assert upload.currentData() == "auto" and limit.text() == "No limit"
    upload.setCurrentIndex(upload.findData("segments"))
    limit.setValue(20)
    assert limit.text() == "20 Mbit/s"
    dialog.accept()
    expected = {
        "stack": "framefan-prod",
        "profile": "editor",
        "region": "eu-central-1",
        "upload": "segments",
        "upload_limit_mbps": 20,
    }
    assert window.settings.backend == "lambda"
    assert window.settings.values_of() == expected
    close_window(qtbot, window)

    again = make_window()
    assert again.settings.backend == "lambda" and again.settings.values_of() == expected
    assert again.settings.values_of("local") == window.settings.values_of("local")
    dialog = again.open_settings()
    assert dialog.editor("lambda.stack").isVisible()
    assert dialog.editor("lambda.stack").text() == "framefan-prod"
    assert dialog.editor("lambda.profile").currentText() == "editor"
    assert dialog.values() == again.settings
    # Back to this computer: the AWS settings are hidden, and kept.
    dialog.editor("backend").setCurrentIndex(dialog.editor("backend").findData("local"))
    assert not dialog.editor("lambda.stack").isVisible()
    assert dialog.values().values_of("lambda") == expected
    dialog.reject()
    raw = QSettings(str(app_dirs.settings_file), QSettings.Format.IniFormat)
    assert raw.value("backend-lambda/stack") == "framefan-prod"
    assert raw.value("backend-lambda/upload_limit_mbps") == "20"
