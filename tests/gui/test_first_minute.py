"""The first minute of a job in the window: overview pictures stand in (badged) where
nothing is rendered yet, the part the user rests on is rendered next, the rows and the status
bar tell how long the queue will take, and waiting videos show their length before they
start."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from core.layout import MANIFEST_NAME, overview_relpath
from core.manifest import DONE, Manifest, SourceInfo
from core.runner import JobControl
from core.settings import Settings
from gui.preview.timeline_model import TimelineModel
from gui.queue.entry import PAUSED, QUEUED, QueueEntry
from gui.queue.texts import progress_text, queue_eta, queue_progress, rough_duration
from gui.user_settings import SettingsStore
from tests import media

from .conftest import add_and_wait, wait_finished


def _partial_job(step_job, tmp_path, pending=(1,)):
    """The step job with some snippets not rendered, and overview pictures (its stills at
    0 s and 6 s, copied as overview pictures) listed in its manifest."""
    job = tmp_path / "partial"
    shutil.copytree(step_job, job)
    data = json.loads((job / MANIFEST_NAME).read_text())
    for index in pending:
        data["snippets"][index].update(status="pending", gif=None)
    data["status"] = "running"
    (job / "overview").mkdir(exist_ok=True)
    for second in (0, 6):
        shutil.copy(job / "frames" / f"{second:06d}.jpg", job / overview_relpath(second * 1000))
    data["overview"] = [{"t": float(s), "path": overview_relpath(s * 1000)} for s in (0, 6)]
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    return job


def _open(qtbot, window, job) -> None:
    task = window.open_job(job / MANIFEST_NAME)
    qtbot.waitUntil(task.done)
    qtbot.waitUntil(lambda: window.preview.model() is not None)


def test_the_manifests_overview_stands_in_badged(qtbot, make_window, step_job, tmp_path):
    job = _partial_job(step_job, tmp_path)
    window = make_window()
    _open(qtbot, window, job)
    model = window.preview.model()
    assert [t for t, _ in model.overview] == [0.0, 6.0]
    window.preview.set_position(4.0)  # snippet 2 (3–6 s) is not rendered
    view = window.preview.frame_view
    assert view.image() is not None and view.approximate()
    window.preview.set_position(7.0)
    assert not view.approximate()  # the fine still


def test_overview_pictures_arriving_live_replace_the_hatching(
    qtbot, make_window, step_job, tmp_path
):
    job = _partial_job(step_job, tmp_path)
    data = json.loads((job / MANIFEST_NAME).read_text())
    data["overview"] = []
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    window = make_window()
    _open(qtbot, window, job)
    window.preview.set_position(4.0)
    view = window.preview.frame_view
    assert view.image() is None and "not rendered yet" in view.message()
    pictures = [(float(t), job / overview_relpath(t * 1000)) for t in (0, 6)]
    window.preview.add_overview(pictures)  # as the job's events bring them
    assert view.image() is not None and view.approximate()


def test_an_overview_picture_stands_in_only_near_its_time() -> None:
    source = SourceInfo(name="v.mp4", duration=600.0, width=160, height=90)
    model = TimelineModel.from_manifest(Manifest.planned("job", source, Settings()), Path("/job"))
    assert model is not None
    model.add_overview([(0.0, model.job_dir / "a.jpg"), (6.0, model.job_dir / "b.jpg")])
    assert model.approximation(4.0).path.name == "b.jpg"
    assert model.approximation(11.9).path.name == "b.jpg"  # one spacing (6 s) past the last
    assert model.approximation(300.0) is None  # the overview pass has not got there yet
    model.add_overview([(594.0, model.job_dir / "c.jpg")])
    assert model.approximation(300.0) is not None  # between two pictures: the nearer


def test_resting_on_a_part_not_rendered_asks_for_it(qtbot, make_window, step_job, tmp_path):
    job = _partial_job(step_job, tmp_path)
    window = make_window()
    _open(qtbot, window, job)
    with qtbot.waitSignal(window.preview.lookingAt, timeout=3000) as rested:
        window.preview.set_position(4.5)
    assert rested.args == [4.5]
    with qtbot.assertNotEmitted(window.preview.lookingAt, wait=700):
        window.preview.set_position(1.0)  # rendered: nothing to ask


def test_the_part_looked_at_in_a_running_job_is_rendered_next(
    qtbot, make_window, make_video, tmp_path, user_settings, app_dirs
):
    SettingsStore(app_dirs.settings_file).save(
        user_settings.with_backend_values("local", workers=1)
    )
    window = make_window()
    done: list[int] = []
    window.scheduler.snippetChanged.connect(
        lambda _id, index, status: status == DONE and done.append(index)
    )
    video = make_video(media.Spec("step-24s.mp4", media.step_source(24, size="64x48", rate=5)))
    add_and_wait(qtbot, window, [video])
    entry = window.model.entry_at(0)
    qtbot.waitUntil(lambda: entry.id in window.scheduler._controls and bool(done), timeout=30_000)
    window.scheduler.pause(entry.id)
    qtbot.waitUntil(lambda: window.preview.model() is not None)
    with qtbot.waitSignal(window.preview.lookingAt, timeout=3000):
        window.preview.set_position(22.0)  # the last snippet (21–24 s)
    assert window.scheduler._controls[entry.id].focus == 22.0
    window.scheduler.resume(entry.id)
    wait_finished(qtbot, window)
    last = len(window.preview.model().starts) - 1
    assert done.index(last) < done.index(last - 1), done  # before those between


def test_look_at_reaches_the_running_job(qapp) -> None:
    from gui.queue.model import QueueModel
    from gui.queue.scheduler import JobScheduler
    from gui.user_settings import UserSettings

    model = QueueModel()
    entry = QueueEntry("/v/a.mp4", "a.mp4", "local")
    model.add([entry])
    scheduler = JobScheduler(model, lambda: UserSettings(), None)  # type: ignore[arg-type]
    scheduler.look_at(entry.id, 5.0)  # not running: nothing to tell
    control = scheduler._controls[entry.id] = JobControl()
    scheduler.look_at(entry.id, 12.5)
    assert control.focus == 12.5


def test_the_queue_says_how_long_it_will_take(qapp) -> None:
    running = QueueEntry("/v/a.mp4", "a.mp4", "local", status="running", duration=120.0)
    waiting = QueueEntry("/v/b.mp4", "b.mp4", "local", status=QUEUED, duration=75.0)
    unknown = QueueEntry("/v/c.mp4", "c.mp4", "local", status=QUEUED)
    assert queue_eta([running, waiting], {}, held=False) == "2 videos, estimating…"
    running.set_eta(90.0)
    assert queue_eta([running], {}, held=False) == "1 video, about 90 s left"
    rates = {"local": 2.0}  # two seconds of work per second of video
    assert queue_eta([running, waiting], rates, held=False) == "2 videos, about 4 min left"
    assert queue_eta([running, waiting, unknown], rates, held=False).endswith("estimating…")
    running.status = PAUSED
    assert queue_eta([running, waiting], rates, held=True) == "2 videos left"
    assert queue_eta([], rates, held=False) == ""
    assert [rough_duration(s) for s in (3, 42, 61, 150, 3599, 4800, 7200)] == [
        "5 s",
        "40 s",
        "60 s",
        "2 min",
        "1 h",
        "1 h 20 min",
        "2 h",
    ]


def test_a_new_job_says_estimating_until_it_has_a_rate(qapp) -> None:
    entry = QueueEntry("/v/a.mp4", "a.mp4", "local", status="running", run_started=0.0)
    assert progress_text(entry).endswith("estimating…")
    entry.set_eta(125.0)
    assert progress_text(entry).endswith("2:05 left")


def test_queue_progress_weighs_jobs_by_length(qapp) -> None:
    done = QueueEntry("/v/a.mp4", "a.mp4", "local", status=DONE, duration=100.0, fraction=1.0)
    running = QueueEntry("/v/b.mp4", "b.mp4", "local", status="running", duration=100.0)
    running.fraction = 0.5
    waiting = QueueEntry("/v/c.mp4", "c.mp4", "local", status=QUEUED, duration=200.0)
    entries = [done, running, waiting]
    assert queue_progress(entries, {done.id, running.id}) == (100 + 50) / 400
    assert queue_progress(entries, set()) == 50 / 300  # a job done before this run: not counted
    running.status = DONE
    assert queue_progress(entries, {done.id, running.id}) is None  # nothing under way


def test_the_status_bar_tells_the_queues_time_left(qtbot, make_window, long_video):
    window = make_window()
    texts: list[str] = []
    window.model.dataChanged.connect(lambda *_: texts.append(window.queue_status.text()))
    add_and_wait(qtbot, window, [long_video])
    wait_finished(qtbot, window)
    assert any("1 video, estimating…" in t for t in texts), texts
    assert any("1 video, about" in t and "left" in t for t in texts), texts
    assert "video" not in window.queue_status.text()  # nothing left


def test_a_waiting_video_shows_its_length_before_it_starts(qtbot, make_window, step_video):
    window = make_window()
    window.scheduler.set_held(True)
    add_and_wait(qtbot, window, [step_video])
    entry = window.model.entry_at(0)
    qtbot.waitUntil(lambda: entry.duration is not None, timeout=10_000)
    assert entry.status == QUEUED
    assert (round(entry.duration), entry.width, entry.height) == (8, 160, 120)


def test_a_running_job_shows_its_overview_in_the_preview(qtbot, make_window, make_video):
    window = make_window()
    added: list[tuple] = []
    window.scheduler.overviewAdded.connect(lambda _id, pictures: added.append(pictures))
    add_and_wait(qtbot, window, [make_video(media.KEYFRAMES_MP4)])
    wait_finished(qtbot, window)
    entry = window.model.entry_at(0)
    manifest = Manifest.load(entry.job_dir)
    assert added and [p for batch in added for p in batch] == manifest.overview
    qtbot.waitUntil(lambda: window.preview.model() is not None)
    assert [t for t, _ in window.preview.model().overview] == [p.t for p in manifest.overview]


def test_the_overview_can_be_turned_off_in_the_settings(
    qtbot, make_window, make_video, user_settings, app_dirs
):
    SettingsStore(app_dirs.settings_file).save(user_settings.with_changes(overview=False))
    window = make_window()
    assert window.settings.overview is False
    dialog = window.open_settings()
    assert dialog.editor("overview").isChecked() is False
    dialog.reject()
    add_and_wait(qtbot, window, [make_video(media.KEYFRAMES_MP4)])
    wait_finished(qtbot, window)
    assert Manifest.load(window.model.entry_at(0).job_dir).overview == []


def test_the_rows_bar_moves_before_any_snippet_is_done(
    qtbot, make_window, make_video, user_settings, app_dirs
):
    # Before, a job's bar moved only when a snippet finished: 0 %, then jumps.
    long_snippets = user_settings.processing.with_changes(snippet_seconds=12)
    SettingsStore(app_dirs.settings_file).save(user_settings.with_changes(processing=long_snippets))
    window = make_window()
    seen: list[tuple[int, float]] = []
    window.model.dataChanged.connect(
        lambda *_: seen.append((window.model.entry_at(0).done, window.model.entry_at(0).fraction))
    )
    add_and_wait(qtbot, window, [make_video(media.SLOW_MP4)])
    wait_finished(qtbot, window)
    assert window.model.entry_at(0).status == DONE
    assert any(done == 0 and 0 < fraction < 0.5 for done, fraction in seen), seen
