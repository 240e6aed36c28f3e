"""The window with job folders it cannot trust: manifests with NaN or absurd durations, a
manifest that is a FIFO, stills and GIFs that are FIFOs, a saved queue with a bad entry, and
a job folder another FrameFan is processing. The window never crashes, hangs or blocks; the
bad jobs show why, the rest is restored."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtGui import QImage

from core.layout import MANIFEST_NAME, frame_relpath, gif_relpath, job_dir_for
from core.limits import Limits
from core.manifest import DONE, Manifest
from core.manifest_schema import MAX_DURATION
from gui.preview.image_cache import ImageCache, ImageKey
from gui.preview.timeline import Timeline
from gui.preview.timeline_model import TimelineModel
from gui.queue.actions import row_actions
from gui.queue.entry import BUSY, UNREADABLE, QueueEntry, queue_to_bytes
from gui.queue.texts import progress_text, status_text
from gui.user_settings import SettingsStore

from .conftest import add_and_wait, click_row_button, wait_finished

ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = Path(os.environ.get("FRAMEFAN_SHOTS", "")) if os.environ.get("FRAMEFAN_SHOTS") else None


def copy_job(step_job: Path, folder: Path, name: str, **source: object) -> Path:
    job = folder / name
    shutil.copytree(step_job, job)
    if source:
        data = json.loads((job / MANIFEST_NAME).read_text())
        data["source"].update(source)
        (job / MANIFEST_NAME).write_text(json.dumps(data))  # NaN as Python writes it
    return job


def save_shot(window, name: str, tmp_path: Path) -> QImage:
    image = window.grab().toImage()  # paints every row: the NaN job crashed here before
    image.save(str(tmp_path / name))
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(SHOTS / name))
    return image


def test_unreadable_jobs_show_why_and_the_rest_of_the_queue_restores(
    qtbot, make_window, app_dirs, step_job, step_video, tmp_path
):
    good = copy_job(step_job, tmp_path, "good")
    nan = copy_job(step_job, tmp_path, "nan", duration=math.nan)
    huge = copy_job(step_job, tmp_path, "huge", duration=1e12)
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / MANIFEST_NAME)
    entries = [
        QueueEntry(None, name, "local", job, DONE).to_json()
        for name, job in (("good.mp4", good), ("nan.mp4", nan), ("huge.mp4", huge))
    ]
    entries.insert(1, {"name": {"not": "a name"}, "status": "done"})  # a damaged entry
    entries.append(QueueEntry(None, "fifo.mp4", "local", fifo, DONE).to_json())
    again = copy_job(step_job, tmp_path, "again", duration=-1)  # its video is known
    entries.append(QueueEntry(str(step_video), "again.mp4", "local", again, DONE).to_json())
    app_dirs.queue_file.parent.mkdir(parents=True, exist_ok=True)
    app_dirs.queue_file.write_bytes(queue_to_bytes(entries))

    window = make_window()
    restored = {e.name: e for e in window.model}
    assert list(restored) == ["good.mp4", "nan.mp4", "huge.mp4", "fifo.mp4", "again.mp4"]
    qtbot.waitUntil(lambda: restored["fifo.mp4"].status == UNREADABLE, timeout=10_000)
    qtbot.waitUntil(lambda: restored["good.mp4"].fraction == 1.0)
    assert restored["good.mp4"].status == DONE
    for name, reason in (
        ("nan.mp4", "source.duration: must be a finite number (got nan)"),
        ("huge.mp4", "source.duration: must be between 0 and 2678400 (got 1000000000000.0)"),
        ("fifo.mp4", "a named pipe (FIFO), not a regular file"),
    ):
        entry = restored[name]
        assert entry.status == UNREADABLE and reason in (entry.error or ""), entry.error
        assert status_text(entry) == "Unreadable"
        assert row_actions(entry, False) == ["reveal", "remove"]
    save_shot(window, "unreadable-rows.png", tmp_path)

    window.select(restored["nan.mp4"].id)  # the preview says why too, and paints
    qtbot.waitUntil(lambda: "must be a finite number" in window.preview.frame_view._message)
    click_row_button(qtbot, window, restored["nan.mp4"].id, "remove")
    assert [e.name for e in window.model] == ["good.mp4", "huge.mp4", "fifo.mp4", "again.mp4"]

    # One whose video is known can start over; the unreadable manifest is kept aside.
    entry = restored["again.mp4"]
    qtbot.waitUntil(lambda: entry.status == UNREADABLE)
    assert row_actions(entry, False) == ["restart", "reveal", "remove"]
    click_row_button(qtbot, window, entry.id, "restart")
    wait_finished(qtbot, window)
    assert entry.status == DONE, entry.error
    assert '"duration": -1' in (again / "manifest.json.bad").read_text()


HOLD = """
import sys, time
from pathlib import Path
from core import job_folder
held = job_folder.lock(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(600)
"""


def test_a_job_another_framefan_is_processing_waits_in_its_row_then_runs(
    qtbot, make_window, out_dir, step_video, tmp_path
):
    job = job_dir_for(out_dir, step_video)
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(job)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        window = make_window()
        add_and_wait(qtbot, window, [step_video])
        entry = window.model.entry_at(0)
        qtbot.waitUntil(lambda: entry.status == BUSY, timeout=10_000)
        assert status_text(entry) == "In use"
        assert progress_text(entry) == (
            f"Being processed by another FrameFan (pid {other.pid}); waiting for it to finish"
        )
        assert "cancel" in row_actions(entry, False)
        assert not (job / MANIFEST_NAME).exists()  # nothing written in its folder
        save_shot(window, "busy-row.png", tmp_path)
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()
        other.stdout.close()  # type: ignore[union-attr]
    wait_finished(qtbot, window, timeout=60_000)
    assert entry.status == DONE, entry.error
    assert Manifest.load(job).status == DONE


def test_stills_and_gifs_that_are_fifos_never_block_the_window(
    qtbot, make_window, step_job, tmp_path
):
    job = copy_job(step_job, tmp_path, "fifos")
    for relpath in (frame_relpath(4), gif_relpath(1)):
        (job / relpath).unlink()
        os.mkfifo(job / relpath)
    window = make_window()
    task = window.open_job(job / MANIFEST_NAME)
    qtbot.waitUntil(task.done)
    qtbot.waitUntil(lambda: window.preview.model() is not None)
    started = time.monotonic()
    window.preview.set_position(4.5)  # snippet 1 (3–6 s): its still and its GIF
    screen = window.preview.gif_view.screen
    qtbot.waitUntil(lambda: screen._message == "Cannot read 00001.gif", timeout=5_000)
    assert time.monotonic() - started < 5
    assert screen.image() is None
    qtbot.waitUntil(lambda: window.preview.frame_view._message == "Cannot read 000004.jpg")
    window.preview.set_position(1.5)  # the others still show
    qtbot.waitUntil(lambda: window.preview.frame_view.image() is not None)


def test_the_image_cache_reads_only_regular_files_inside_the_job(qapp, tmp_path):
    job = tmp_path / "job"
    (job / "frames").mkdir(parents=True)
    outside = tmp_path / "outside.jpg"
    QImage(8, 8, QImage.Format.Format_RGB32).save(str(outside))
    (job / frame_relpath(0)).symlink_to(outside)
    os.mkfifo(job / frame_relpath(1))
    (job / frame_relpath(2)).symlink_to("/dev/zero")
    shutil.copy(outside, job / frame_relpath(3))
    cache = ImageCache()
    try:
        for n in range(3):
            assert cache.load_now(ImageKey.of(job / frame_relpath(n))) is None, n
        assert cache.load_now(ImageKey.of(job / frame_relpath(3))) is not None
    finally:
        cache.shutdown()


def test_durations_that_no_check_let_through_never_reach_painting(qapp, step_job):
    manifest = Manifest.load(step_job)
    manifest.source.duration = math.nan  # as if built by code, not loaded
    assert TimelineModel.from_manifest(manifest, step_job) is None
    manifest.source.duration = 1e12
    model = TimelineModel.from_manifest(manifest, step_job)
    assert model is not None and model.duration == MAX_DURATION
    cache = ImageCache()
    timeline = Timeline(cache)
    try:
        timeline.resize(800, 120)
        timeline.set_model(model)
        started = time.monotonic()
        timeline.grab()  # the ruler loop is bounded by the width, not the duration
        assert time.monotonic() - started < 2
    finally:
        timeline.set_model(None)
        cache.shutdown()


def test_output_paths_are_rebuilt_never_taken_from_the_manifest(step_job):
    manifest = Manifest.load(step_job)
    manifest.snippets[0].gif = "gifs/00002.gif"  # a manifest pointing elsewhere
    manifest.frames[0].path = "frames/000007.jpg"
    model = TimelineModel.from_manifest(manifest, step_job)
    assert model is not None
    assert model.gif_path(0) == step_job / gif_relpath(0)
    assert model.frame_path(0) == step_job / frame_relpath(0)


def test_limits_are_settings_of_the_window(qtbot, make_window, app_dirs, tmp_path):
    window = make_window()
    dialog = window.open_settings()
    dialog.editor("limits.max_megapixels").setValue(100)
    dialog.editor("limits.max_stills").setValue(200_000)
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / "settings-limits.png"))
    dialog.accept()
    assert window.settings.limits == Limits(max_megapixels=100, max_stills=200_000)
    assert SettingsStore(app_dirs.settings_file).load().limits == window.settings.limits
