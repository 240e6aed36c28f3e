"""The window's parts on their own: timeline model, image cache, queue entries, intake,
and the leak guards themselves."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QColor, QImage, QPalette

from core.manifest import CANCELLED, DONE, FAILED, Manifest, SourceInfo
from core.settings import Settings
from gui.intake import Queued, take_in
from gui.logs import LOG_NAME, setup_logging
from gui.preview.image_cache import ImageCache, ImageKey
from gui.preview.timeline_model import TimelineModel
from gui.queue.actions import row_actions
from gui.queue.entry import PAUSED, QUEUED, QueueEntry, load_queue, save_queue
from gui.theme import DARK, LIGHT, apply_theme

from .conftest import leftover_threads


def _manifest(duration: float = 10.0) -> Manifest:
    source = SourceInfo("clip.mp4", duration=duration, width=1920, height=1080)
    return Manifest.planned("clip", source, Settings(snippet_seconds=4))


def test_timeline_model_places_stills_and_snippets(tmp_path):
    manifest = _manifest()
    manifest.snippets[0].status = DONE
    manifest.snippets[2].status = FAILED
    model = TimelineModel.from_manifest(manifest, tmp_path)
    assert model.snippet_count == 3 and model.frame_count == 10
    assert [model.snippet_at(t) for t in (0, 3.99, 4, 9.9)] == [0, 0, 1, 2]
    assert [model.frame_at(t) for t in (0, 0.99, 1, 9.5, 99)] == [0, 0, 1, 9, 9]
    assert model.frame_path(3) == tmp_path / "frames" / "000003.jpg"
    assert model.frame_path(4) is None  # snippet 1 is not rendered
    assert model.gif_path(0) == tmp_path / "gifs" / "00000.gif" and model.gif_path(2) is None
    assert model.counts() == (1, 1) and model.last_time == 9.0
    model.mark(1, DONE)
    assert model.frame_path(4) is not None
    assert (
        TimelineModel.from_manifest(Manifest.rejected("x", "x", Settings(), "bad"), tmp_path)
        is None
    )


def _jpeg(path: Path, size: QSize, level: int) -> Path:
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor(level, level, level))
    assert image.save(str(path), "JPG")
    return path


def test_image_cache_stays_within_its_budget(qapp, qtbot, tmp_path):
    paths = [_jpeg(tmp_path / f"{n}.jpg", QSize(100, 100), 10 * n) for n in range(6)]
    one = 100 * 100 * 4
    cache = ImageCache(budget=3 * one)
    try:
        for path in paths:
            assert cache.load_now(ImageKey.of(path)) is not None
        assert len(cache) == 3 and cache.size_bytes <= 3 * one
        assert cache.get(ImageKey.of(paths[0])) is None  # least recently used went first
        assert cache.get(ImageKey.of(paths[5])) is not None
        small = ImageKey.of(paths[1], QSize(25, 25))
        with qtbot.waitSignal(cache.loaded) as blocker:
            cache.request([small])
        assert blocker.args == [small]
        assert cache.get(small).size() == QSize(25, 25)
        assert cache.load_now(ImageKey(str(tmp_path / "missing.jpg"))) is None
    finally:
        cache.shutdown()


def test_queue_entries_round_trip_and_a_bad_file_is_set_aside(tmp_path):
    entries = [
        QueueEntry("/v/a.mp4", "a.mp4", "local", tmp_path / "a", DONE),
        QueueEntry("/v/b.mp4", "b.mp4", "local", None, PAUSED),
    ]
    path = tmp_path / "queue.json"
    save_queue(path, [e.to_json() for e in entries])
    loaded = load_queue(path)
    assert [(e.id, e.input, e.job_dir, e.status) for e in loaded] == [
        (entries[0].id, "/v/a.mp4", tmp_path / "a", DONE),
        (entries[1].id, "/v/b.mp4", None, QUEUED),  # interrupted work waits again
    ]
    path.write_text("{ not json")
    assert load_queue(path) == []
    assert (tmp_path / "queue.json.unreadable").read_text() == "{ not json"


def test_entry_reads_progress_and_status_from_its_manifest(tmp_path):
    manifest = _manifest()
    manifest.snippets[0].status = DONE
    manifest.snippets[1].status = FAILED
    manifest.snippets[1].error = "snippet 2 (0:04–0:08): broken"
    manifest.status = "running"  # the run was interrupted
    entry = QueueEntry("/v/clip.mp4", "clip.mp4", "local", tmp_path, CANCELLED)
    entry.update_from_manifest(manifest)
    assert entry.status == CANCELLED and entry.fraction == 0.4
    assert (entry.done, entry.failed, entry.total) == (1, 1, 3)
    assert entry.error == "snippet 2 (0:04–0:08): broken"
    assert row_actions(entry, can_pause=True) == ["continue", "export", "reveal", "remove"]


def test_intake_counts_what_it_leaves_out(tmp_path):
    (tmp_path / "in").mkdir()
    video = tmp_path / "in" / "a.mp4"
    video.write_bytes(b"x")
    (tmp_path / "in" / "notes.txt").write_text("x")
    queued = Queued("id", str(video), rejected=False, finished=False, settings=None)
    intake = take_in([tmp_path / "in", tmp_path / "gone.mov"], [queued])
    assert intake.new == [] and intake.duplicates == [video]
    assert intake.summary() == (
        "Already in the queue: a.mp4; skipped 1 file that is not a video; not found: gone.mov"
    )


def test_the_leak_guards_see_threads_and_timers(no_leftover_threads_or_timers):
    before = set(threading.enumerate())
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="lingering")
    thread.start()
    assert leftover_threads(before, grace=0.1) == ["lingering"]
    release.set()
    thread.join()
    assert leftover_threads(before, grace=0.1) == []

    timer = QTimer()
    timer.start(1000)
    assert no_leftover_threads_or_timers.active()
    timer.stop()
    assert not no_leftover_threads_or_timers.active()


def test_the_log_goes_to_a_file_in_the_log_folder(tmp_path):
    handler = setup_logging(tmp_path / "logs")
    try:
        logging.getLogger("gui.test").error("cannot write in /mnt/x: the disk is full")
        handler.flush()
        text = (tmp_path / "logs" / LOG_NAME).read_text()
        assert "ERROR gui.test: cannot write in /mnt/x: the disk is full" in text
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def test_light_and_dark_palettes(qapp):
    before, sheet = qapp.palette(), qapp.styleSheet()
    try:
        assert apply_theme(qapp, DARK) == DARK
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 60
        assert apply_theme(qapp, LIGHT) == LIGHT
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    finally:
        qapp.setPalette(before)
        qapp.setStyleSheet(sheet)
