"""The queue through the window: dropping files and folders, processing to done, a bad
file among good ones, cancel, pause and retry, problems that hold the queue."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import psutil
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.layout import frame_relpath, gif_relpath
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, Manifest
from core.preflight import DISK_SPACE, FFMPEG, OUTPUT_FOLDER
from gui.queue.actions import row_buttons
from gui.queue.entry import QUEUED
from gui.queue.texts import percent_text

from .. import systems
from .conftest import add_and_wait, click_row_button, wait_finished


def _drag_and_drop(target, mime: QMimeData, pos: QPointF) -> None:
    """What Qt delivers for a drag entering ``target`` and dropped at ``pos``."""
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons = (Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with warnings.catch_warnings():
        # The QPoint form works with every supported PySide6; newer ones deprecate it.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), actions, mime, *buttons)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, actions, mime, *buttons)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()


def _drop_urls(target, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    _drag_and_drop(target, mime, QPointF(target.width() / 2, target.height() / 2))


def _ffmpeg_children(into: Path, status: str | None = None) -> list[psutil.Process]:
    """Running ffmpeg children writing into ``into`` (the estimate's calibration renders
    elsewhere), in ``status`` if given; one may exit while we look."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            state = child.status()
            wanted = state != psutil.STATUS_ZOMBIE and (status is None or state == status)
            wanted = wanted and "ffmpeg" in child.name()
            if wanted and any(str(into) in argument for argument in child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_dropping_files_and_a_folder_queues_the_videos(qtbot, make_window, tmp_path, step_video):
    window = make_window()
    window.scheduler.set_held(True)  # only the intake is under test here
    folder = tmp_path / "shoot"
    (folder / "day2").mkdir(parents=True)
    shutil.copy(step_video, folder / "a.mp4")
    shutil.copy(step_video, folder / "day2" / "b.mov")
    (folder / "notes.txt").write_text("not a video")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff")

    _drop_urls(window, [step_video, folder])
    qtbot.waitUntil(lambda: window.last_intake is not None and len(window.model) == 3)
    assert [e.name for e in window.model] == [step_video.name, "a.mp4", "b.mov"]
    assert len(window.last_intake.scan.skipped) == 2
    # What was left out is said in the message bar, where it stays until read.
    assert "skipped 2 files" in window.message_bar.text.text()
    assert all(e.status == QUEUED for e in window.model)

    # The same file again, dropped on the queue list itself: detected, not queued twice.
    window.last_intake = None
    _drop_urls(window.queue_view.viewport(), [step_video])
    qtbot.waitUntil(lambda: window.last_intake is not None)
    assert len(window.model) == 3
    assert window.last_intake.duplicates == [step_video]
    assert window.message_bar.text.text() == "Already in the queue: step-8s.mp4"
    assert window.message_bar.waiting() == 0  # it replaced the first drop's note


def test_rows_are_reordered_by_drag(qtbot, make_window, tmp_path, step_video):
    window = make_window()
    window.scheduler.set_held(True)
    copies = []
    for name in ("one.mp4", "two.mp4", "three.mp4"):
        copies.append(tmp_path / name)
        shutil.copy(step_video, copies[-1])
    add_and_wait(qtbot, window, copies)
    view = window.queue_view
    mime = window.model.mimeData([window.model.index(0)])
    last = view.visualRect(window.model.index(2))
    _drag_and_drop(view.viewport(), mime, QPointF(last.center().x(), last.bottom() - 2))
    assert [e.name for e in window.model] == ["two.mp4", "three.mp4", "one.mp4"]


def test_a_video_is_processed_to_done_with_live_progress(qtbot, make_window, long_video):
    window = make_window()
    seen: list[float] = []
    live: list[tuple[bool, str]] = []
    window.model.dataChanged.connect(lambda *_: seen.append(window.model.entry_at(0).fraction))

    def on_snippet(entry_id: str, index: int, status: str) -> None:
        model = window.preview.model()
        entry = window.model.entry(entry_id)
        live.append((model is not None and model.snippet_done(index), entry.status))

    window.scheduler.snippetChanged.connect(on_snippet)
    add_and_wait(qtbot, window, [long_video])
    wait_finished(qtbot, window)

    entry = window.model.entry_at(0)
    assert entry.status == DONE, entry.error
    assert (entry.duration, entry.width, entry.height) == (30.0, 64, 48)
    assert entry.fraction == 1.0 and entry.done == entry.total == 10
    assert seen == sorted(seen), "progress went backwards"
    assert len({round(f, 3) for f in seen if 0 < f < 1}) >= 2, f"no progress shown: {seen}"
    # The preview showed each snippet as it finished, while the job was still running.
    assert live and all(done for done, _ in live)
    assert "running" in {status for _, status in live}, live
    manifest = Manifest.load(entry.job_dir)
    assert manifest.status == DONE and len(manifest.frames) == 30
    assert window.preview.model() is not None and window.preview.model().counts() == (10, 0)


def test_a_bad_file_fails_in_its_row_while_the_others_finish(
    qtbot, make_window, step_video, text_file
):
    window = make_window()
    notices: list[str] = []
    window.notifier.notified.connect(lambda _title, text: notices.append(text))
    add_and_wait(qtbot, window, [text_file, step_video])
    wait_finished(qtbot, window)

    bad, good = list(window.model)
    assert bad.status == FAILED
    assert bad.error == f"{text_file.name}: it is a text file, not a video"
    assert good.status == DONE
    assert QApplication.activeModalWidget() is None  # no dialog per file
    qtbot.waitUntil(lambda: bool(notices))
    assert notices == ["1 done, 1 failed"]  # one notification for the whole queue


def test_cancel_stops_the_job_and_its_ffmpeg(
    qtbot, make_window, long_video, user_settings, out_dir
):
    window = make_window()
    window.apply_settings(user_settings.with_backend_values("local", workers=1))
    add_and_wait(qtbot, window, [long_video])
    entry = window.model.entry_at(0)
    qtbot.waitUntil(lambda: bool(_ffmpeg_children(out_dir)) and entry.total > 0, timeout=30_000)

    click_row_button(qtbot, window, entry.id, "cancel")
    qtbot.waitUntil(lambda: entry.status == CANCELLED and window.scheduler.is_idle())
    assert _ffmpeg_children(out_dir) == []
    manifest = Manifest.load(entry.job_dir)
    assert manifest.status == CANCELLED
    assert manifest.counts()[DONE] < len(manifest.snippets)
    # The row shows what was kept (work under way when it stopped is lost), never 100 %.
    kept = sum(s.end - s.start for s in manifest.snippets if s.status == DONE)
    qtbot.waitUntil(lambda: entry.fraction == kept / manifest.source.duration)
    assert percent_text(entry) != "100%"
    assert row_buttons(entry, window.scheduler.can_pause(entry))[0] == "continue"


def test_pause_queue_pauses_the_running_job_and_start_resumes_it(
    qtbot, make_window, long_video, user_settings, out_dir
):
    window = make_window()
    window.apply_settings(user_settings.with_backend_values("local", workers=1))
    add_and_wait(qtbot, window, [long_video])
    entry = window.model.entry_at(0)
    qtbot.waitUntil(lambda: bool(_ffmpeg_children(out_dir)) and entry.total > 0, timeout=30_000)

    window.commands.toggle_queue.trigger()  # Pause queue, as HandBrake's: the work stops
    assert window.scheduler.held and entry.status == "paused"
    assert window.commands.toggle_queue.text() == "Start queue"
    qtbot.waitUntil(
        lambda: _ffmpeg_children(out_dir) == _ffmpeg_children(out_dir, psutil.STATUS_STOPPED)
    )
    window.commands.toggle_queue.trigger()
    assert not window.scheduler.held and entry.status == "running"

    # The job's own pause: Ctrl+P (Space plays the preview).
    window.select(entry.id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window.queue_view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert entry.status == "paused"
    QTest.keyClick(window.queue_view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert entry.status == "running"
    wait_finished(qtbot, window)
    assert entry.status == DONE


@systems.pausing_stops_ffmpeg
def test_retry_after_a_failure_renders_only_what_failed(
    qtbot, make_window, tmp_path, long_video, user_settings, out_dir
):
    """While the job is paused, folders appear where the stills of its last snippets go;
    those snippets fail. With the folders gone, Retry renders them and keeps the others."""
    video = tmp_path / "interview.mp4"
    shutil.copy(long_video, video)
    window = make_window()
    window.apply_settings(user_settings.with_backend_values("local", workers=1))
    add_and_wait(qtbot, window, [video])
    entry = window.model.entry_at(0)
    qtbot.waitUntil(lambda: entry.done >= 1, timeout=30_000)

    click_row_button(qtbot, window, entry.id, "pause")
    assert entry.status == "paused"
    qtbot.waitUntil(
        lambda: _ffmpeg_children(out_dir) == _ffmpeg_children(out_dir, psutil.STATUS_STOPPED)
    )
    blocked = [entry.job_dir / frame_relpath(n) for n in range(21, 30)]  # snippets 7 to 9
    for folder in blocked:
        folder.mkdir(parents=True)
    click_row_button(qtbot, window, entry.id, "resume")
    wait_finished(qtbot, window)
    assert entry.status == PARTIAL
    assert (entry.error or "").startswith(f"cannot write in {entry.job_dir}")
    assert entry.error.endswith("(and 2 more failed snippets)")
    manifest = Manifest.load(entry.job_dir)
    kept = {s.index: (entry.job_dir / gif_relpath(s.index)).stat().st_ino
            for s in manifest.snippets if s.status == DONE}  # fmt: skip
    assert kept and manifest.counts()[FAILED]

    for folder in blocked:
        folder.rmdir()
    click_row_button(qtbot, window, entry.id, "retry")
    wait_finished(qtbot, window)
    assert entry.status == DONE, entry.error
    manifest = Manifest.load(entry.job_dir)
    assert manifest.counts()[DONE] == len(manifest.snippets)
    for index, inode in kept.items():  # finished snippets were not rendered again
        assert (entry.job_dir / gif_relpath(index)).stat().st_ino == inode


def test_an_unwritable_output_folder_holds_the_queue_with_a_fix(
    qtbot, make_window, tmp_path, step_video, user_settings
):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the output folder should be")
    window = make_window()
    window.apply_settings(user_settings.with_changes(output_folder=blocker / "out"))
    problems = []
    window.scheduler.problemFound.connect(problems.append)
    add_and_wait(qtbot, window, [step_video])
    qtbot.waitUntil(lambda: bool(problems))

    assert problems[0].kind == OUTPUT_FOLDER
    assert window.scheduler.held
    assert window.message_bar.isVisible()
    assert str(blocker / "out") in window.message_bar.text.text()
    assert window.message_bar.button_texts() == ["Change output folder…", "Try again"]
    entry = window.model.entry_at(0)
    assert entry.status == QUEUED and entry.job_dir is None

    window.apply_settings(user_settings)  # the user picks a usable folder
    window.message_bar.click("Try again")
    wait_finished(qtbot, window)
    assert entry.status == DONE
    assert entry.job_dir is not None and entry.job_dir.parent == user_settings.output_folder


def test_a_full_disk_is_reported_before_any_work(qtbot, make_window, step_video, out_dir):
    window = make_window(min_free=1 << 60)
    problems = []
    window.scheduler.problemFound.connect(problems.append)
    add_and_wait(qtbot, window, [step_video])
    qtbot.waitUntil(lambda: bool(problems))
    assert problems[0].kind == DISK_SPACE
    assert "free some space" in window.message_bar.text.text()
    assert window.model.entry_at(0).status == QUEUED
    # The job never started: no folder of its own, nothing rendering into the output folder.
    assert not out_dir.exists() or list(out_dir.iterdir()) == []
    assert _ffmpeg_children(out_dir) == []


def test_row_shows_what_the_user_needs(qtbot, make_window, step_video):
    window = make_window()
    add_and_wait(qtbot, window, [step_video])
    wait_finished(qtbot, window)
    entry = window.model.entry_at(0)
    rect = window.queue_view.visualRect(window.model.index(0))
    assert [a for a, _ in window.delegate.button_rects(rect, entry)] == ["reveal", "remove"]
    image = window.queue_view.viewport().grab(rect).toImage()
    assert not image.isNull()
    click_row_button(qtbot, window, entry.id, "remove")
    assert len(window.model) == 0
    assert entry.job_dir.is_dir()  # removing from the queue never deletes output
    QTest.mouseMove(window.queue_view.viewport(), QPoint(5, 5))


def test_a_missing_ffmpeg_holds_the_queue_and_says_what_to_do(
    qtbot, make_window, tmp_path, step_video, user_settings, monkeypatch
):
    # No ffmpeg anywhere: not on PATH, not from imageio-ffmpeg, not where the setting says.
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "missing"))
    monkeypatch.delenv("FRAMEFAN_FFMPEG", raising=False)
    window = make_window()
    window.apply_settings(user_settings.with_changes(ffmpeg=str(tmp_path / "ffmpeg")))
    problems = []
    window.scheduler.problemFound.connect(problems.append)
    add_and_wait(qtbot, window, [step_video])
    qtbot.waitUntil(lambda: bool(problems))
    assert problems[0].kind == FFMPEG
    assert "FRAMEFAN_FFMPEG" in window.message_bar.text.text()
    assert window.message_bar.button_texts() == ["Settings…", "Try again"]
    assert window.scheduler.held and window.model.entry_at(0).status == QUEUED
