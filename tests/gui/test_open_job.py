"""A job opened from its manifest alone (File ▸ Open job…) can be retried when the manifest
says where its video is and the video is still there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from core.layout import MANIFEST_NAME, frame_relpath, gif_relpath
from core.manifest import DONE, PARTIAL, Manifest
from core.plan import frame_indices

from .conftest import FAST, click_row_button, wait_finished


def _partial_copy(step_job: Path, folder: Path, *, source: str | None = "keep") -> Path:
    """A copy of the processed job whose snippet 1 failed, as the runner records it."""
    job = folder / "step-partial"
    shutil.copytree(step_job, job)
    data = json.loads((job / MANIFEST_NAME).read_text())
    snippet = data["snippets"][1]
    snippet.update(status="failed", gif=None, error="snippet 2 (0:03–0:06): disk full")
    data["status"] = "partial"
    if source is None:
        del data["source"]["path"]  # as written before the path was recorded
    elif source != "keep":
        data["source"]["path"] = source
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    (job / gif_relpath(1)).unlink()
    for n in frame_indices(snippet["start"], snippet["end"], FAST):
        (job / frame_relpath(n)).unlink()
    return job


def _open(qtbot, window, job: Path):
    task = window.open_job(job / MANIFEST_NAME)
    qtbot.waitUntil(task.done)
    return task.result()


def test_an_opened_partial_job_is_retried_from_its_row(
    qtbot, make_window, step_job, step_video, tmp_path
):
    job = _partial_copy(step_job, tmp_path)
    kept = (job / gif_relpath(0)).stat().st_mtime_ns
    window = make_window()
    entry = _open(qtbot, window, job)
    assert entry.status == PARTIAL and entry.input == str(step_video)
    assert entry.error == "snippet 2 (0:03–0:06): disk full"

    click_row_button(qtbot, window, entry.id, "retry")
    wait_finished(qtbot, window)
    assert entry.status == DONE, entry.error
    manifest = Manifest.load(job)
    assert manifest.status == DONE and manifest.source.path == str(step_video)
    assert (job / gif_relpath(1)).is_file()
    assert (job / gif_relpath(0)).stat().st_mtime_ns == kept  # only the failed one again


def test_an_opened_job_whose_video_is_gone_or_unknown_can_only_be_viewed(
    qtbot, make_window, step_job, tmp_path
):
    window = make_window()
    gone = str(tmp_path / "moved away.mp4")
    moved = _open(qtbot, window, _partial_copy(step_job, tmp_path / "a", source=gone))
    assert moved.status == PARTIAL and moved.input is None
    assert "retry" not in dict(window.delegate.button_rects(window.queue_view.rect(), moved))
    assert window.statusBar().currentMessage() == (
        f"{gone} is no longer there: this job can be viewed, not run again."
    )

    older = _open(qtbot, window, _partial_copy(step_job, tmp_path / "b", source=None))
    assert older.status == PARTIAL and older.input is None
    window.scheduler.retry(older.id)  # e.g. Queue ▸ Retry failed jobs
    assert older.status == PARTIAL and window.scheduler.is_idle()
