"""The window's streamed cloud features: the estimate beside Start queue (it fits, and says
what Automatic chooses), videos added from S3 (listed off the GUI thread, processed in
place) and a job rendered both here and on AWS (each snippet's side on the timeline)."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QToolBar

from core.cloud.sim.emulator import CloudSim
from core.layout import MANIFEST_NAME
from core.manifest import DONE, Manifest
from gui.preview.timeline import CLOUD_COLOR

from .. import systems
from ..cloud.conftest import SOURCE_BUCKET, start_sim, use_sim
from .conftest import add_and_wait, wait_finished


@pytest.fixture
def no_aws(monkeypatch, tmp_path) -> None:
    """An AWS that answers nothing at once (a closed port): estimates use the defaults."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    for name, value in (("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


@pytest.mark.parametrize("backend", ["lambda", "auto"])
def test_the_estimate_beside_start_queue_fits_and_says_what_automatic_chooses(
    qtbot, make_window, user_settings, step_video, long_video, no_aws, tmp_path, backend
):
    window = make_window()
    window.resize(1024, 700)
    on = user_settings.with_changes(backend=backend).with_backend_values("lambda", stack="x")
    window.apply_settings(on)
    window.scheduler.set_held(True)  # the jobs stay queued, as before Start queue
    add_and_wait(qtbot, window, [step_video, long_video])
    window.select(window.model.entry_at(0).id)
    panel = window.estimate
    text = panel.full_text
    qtbot.waitUntil(lambda: "Queue" in text() and "job" in text(), timeout=60_000)
    window.grab().save(str(tmp_path / f"estimate-{backend}.png"))  # looked at by hand
    text = panel.full_text()
    assert text.startswith("This job ") and "here 0:0" in text and "AWS " in text
    if backend == "auto":
        assert "This job → here ≈" in text and "as chosen" in text
    else:
        assert "≈ here" in text and "→" not in text
    toolbar = window.findChild(QToolBar, "mainToolbar")
    for action in (window.commands.settings, window.commands.shortcuts):
        button = toolbar.widgetForAction(action)
        assert button is not None and button.isVisible(), "pushed off the toolbar"
    assert panel.accessibleDescription() == text
    assert "test render on this computer" in panel.toolTip()


@pytest.fixture
def cloud(monkeypatch, tmp_path) -> Iterator[CloudSim]:
    sim = start_sim(f"framefan-gui-s3-{uuid.uuid4().hex[:8]}")
    try:
        use_sim(sim, monkeypatch, tmp_path)
        yield sim
    finally:
        sim.stop()


@systems.only_on(*systems.posix, reason="the cloud emulator needs POSIX process groups")
def test_videos_added_from_s3_are_listed_off_the_gui_thread_and_processed_in_place(
    qtbot, cloud, make_window, user_settings, step_video
):
    s3 = cloud.client("s3")
    shoot = f"shoot-{uuid.uuid4().hex[:8]}"  # the bucket is shared by the tests' emulators
    for name in ("day 1/a.mp4", "day 1/b.mp4", "day 1/notes.txt", "day 2/c.mp4"):
        s3.put_object(Bucket=SOURCE_BUCKET, Key=f"{shoot}/{name}", Body=step_video.read_bytes())
    window = make_window()
    window.apply_settings(
        user_settings.with_changes(backend="local").with_backend_values("lambda", stack=cloud.stack)
    )
    dialog = window.choose_from_s3()
    assert dialog is not None
    qtbot.waitUntil(lambda: "folder" in dialog.status.text(), timeout=30_000)
    assert dialog.bucket.currentText() == SOURCE_BUCKET  # the stack's source bucket
    dialog.prefix.setText(f"{shoot}/day 1/")
    dialog.refresh()
    assert dialog.status.text().startswith("Listing s3://")  # in a worker thread: not done yet
    qtbot.waitUntil(lambda: "2 videos" in dialog.status.text(), timeout=30_000)
    names = [dialog.list.topLevelItem(i).text(0) for i in range(dialog.list.topLevelItemCount())]
    assert names == ["a.mp4", "b.mp4"]  # videos only
    dialog.list.topLevelItem(0).setSelected(True)
    uri = f"s3://{SOURCE_BUCKET}/{shoot}/day 1/a.mp4"
    assert dialog.chosen() == [uri]
    dialog.accept()
    entry = window.model.entry_at(0)
    assert entry.input == uri and entry.backend == "lambda"
    wait_finished(qtbot, window, timeout=120_000)
    assert entry.status == DONE, entry.error
    manifest = Manifest.load(entry.job_dir)
    assert manifest.source.name == "a.mp4" and manifest.backend == "lambda"


def test_each_snippet_of_a_job_rendered_both_here_and_on_aws_shows_its_side(
    qtbot, make_window, step_job, tmp_path
):
    job = tmp_path / "both"
    shutil.copytree(step_job, job)
    data = json.loads((job / MANIFEST_NAME).read_text())
    data["backend"] = "hybrid"
    for snippet in data["snippets"]:
        snippet["backend"] = "lambda" if snippet["index"] == 0 else "local"
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    window = make_window()
    task = window.open_job(job / MANIFEST_NAME)
    qtbot.waitUntil(task.done)
    window.select(task.result().id)
    qtbot.waitUntil(lambda: window.preview.model() is not None)
    preview = window.preview
    count = len(data["snippets"])
    assert f"Rendered here: {count - 1} · on AWS: 1" in preview.details.text()
    timeline = preview.timeline
    image = timeline.grab().toImage()
    strip = timeline._strip_rect()
    band_y = strip.bottom() + 4 + 3
    first = image.pixelColor(round(timeline.x_of(0.5)), band_y)
    last = image.pixelColor(round(timeline.x_of(data["snippets"][-1]["start"] + 0.5)), band_y)
    assert first.name() == CLOUD_COLOR.name() and last.name() != CLOUD_COLOR.name()
    preview.set_position(0.5)
    qtbot.waitUntil(lambda: "rendered on AWS" in preview.gif_view.caption.text(), timeout=5000)
