"""LocalRunner: whole jobs and batches, events, resume, cancellation and pause."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from core.events import (
    JobEvent,
    JobFinished,
    JobProgress,
    JobStarted,
    OverviewAdded,
    SnippetFailed,
    SnippetFinished,
    SnippetStarted,
)
from core.layout import (
    LOCK_NAME,
    MANIFEST_NAME,
    OVERVIEW_DIR,
    WORK_DIR,
    frame_relpath,
    gif_relpath,
    job_dir_for,
)
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, PENDING, Manifest
from core.plan import frame_times, plan
from core.runner import JobControl, LocalRunner
from core.settings import Settings

from . import media, systems

SETTINGS = Settings(snippet_seconds=3, gif_width=80, frame_width=80)


class Recorder:
    """Collects the runner's events (they arrive on the event loop's thread)."""

    def __init__(self) -> None:
        self.events: list[JobEvent] = []

    def __call__(self, event: JobEvent) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def started(self) -> list[int]:
        return sorted(e.index for e in self.of(SnippetStarted))


def run_job(
    source, job_dir: Path, settings: Settings = SETTINGS, **kw
) -> tuple[Manifest, Recorder]:
    recorder = Recorder()
    runner = LocalRunner(settings, workers=kw.pop("workers", 2), on_event=recorder)
    manifest = asyncio.run(runner.run_job(source, job_dir, **kw))
    return manifest, recorder


def files_under(folder: Path) -> dict[str, int]:
    """Relative path → modification time (ns) of every file below ``folder`` but the job
    folder's lock file (rewritten by every run)."""
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and p.name != LOCK_NAME
    }


def render_processes() -> list[psutil.Process]:
    """Our ffmpeg children that are rendering (not probing)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "paletteuse" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


async def wait_until(condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


# -- one job ---------------------------------------------------------------------------------


def test_job_renders_every_snippet_and_frame(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    manifest, _ = run_job(make_video(media.STEP_MP4), job)
    assert manifest.status == DONE and manifest.error is None
    assert [(s.start, s.end) for s in manifest.snippets] == [
        (s.start, s.end) for s in plan(7.52, SETTINGS)
    ]
    assert all(s.status == DONE and s.gif == gif_relpath(s.index) for s in manifest.snippets)
    assert [f.t for f in manifest.frames] == frame_times(7.52, SETTINGS)
    assert [f.path for f in manifest.frames] == [frame_relpath(n) for n in range(8)]
    expected = {
        MANIFEST_NAME,
        *(s.gif for s in manifest.snippets),
        *(f.path for f in manifest.frames),
        *(p.path for p in manifest.overview),
    }
    assert set(files_under(job)) == expected
    assert (job / LOCK_NAME).is_file()  # what kept other writers out
    assert Manifest.load(job) == manifest
    source = manifest.source
    assert (source.name, source.width, source.height, source.codec) == (
        "step.mp4",
        160,
        120,
        "h264",
    )
    assert source.duration == pytest.approx(7.52)
    assert source.fingerprint
    assert source.path == str(make_video(media.STEP_MP4).absolute())


def test_events_tell_the_story_in_order(make_video, tmp_path: Path) -> None:
    _, events = run_job(make_video(media.STEP_MP4), tmp_path / "job")
    assert isinstance(events.events[0], JobStarted)
    assert isinstance(events.events[-1], JobFinished)
    started = events.of(JobStarted)[0]
    assert (started.total, started.done) == (3, 0)
    assert started.manifest_path == tmp_path / "job" / MANIFEST_NAME
    assert events.started() == [0, 1, 2]
    finished = sorted(events.of(SnippetFinished), key=lambda e: e.index)
    assert [e.index for e in finished] == [0, 1, 2]
    assert [f.t for f in finished[1].frames] == [3.0, 4.0, 5.0]
    assert finished[2].gif == gif_relpath(2)
    for event in events.of(SnippetStarted):  # each started before it finished
        assert events.events.index(event) < events.events.index(finished[event.index])
    progress = events.of(JobProgress)
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions)
    assert fractions[-1] == pytest.approx(1.0)
    assert (progress[-1].done, progress[-1].failed, progress[-1].total) == (3, 0, 3)
    end = events.of(JobFinished)[0]
    assert (end.status, end.error, end.manifest_path) == (DONE, None, started.manifest_path)


def test_workers_bound_the_renders_running_at_once(make_video, tmp_path: Path) -> None:
    settings = Settings(snippet_seconds=1, gif_width=80, frame_width=80)
    running, peak = 0, 0

    def on_event(event: JobEvent) -> None:
        nonlocal running, peak
        if isinstance(event, SnippetStarted):
            running += 1
            peak = max(peak, running)
        elif isinstance(event, SnippetFinished | SnippetFailed):
            running -= 1

    runner = LocalRunner(settings, workers=2, on_event=on_event)
    manifest = asyncio.run(runner.run_job(make_video(media.STEP_MP4), tmp_path / "job"))
    assert manifest.status == DONE and len(manifest.snippets) == 8
    assert peak == 2


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers must be at least 1"):
        LocalRunner(SETTINGS, workers=0)


@pytest.mark.parametrize(
    "spec", [media.ROTATED_90, media.HEVC10_MOV, media.VP9_WEBM, media.ODD_SIZE_MP4],
    ids=lambda s: s.filename,
)  # fmt: skip
def test_other_inputs_complete(make_video, tmp_path: Path, spec: media.Spec) -> None:
    manifest, _ = run_job(make_video(spec), tmp_path / "job", Settings(snippet_seconds=2))
    assert manifest.status == DONE
    assert all((tmp_path / "job" / f.path).is_file() for f in manifest.frames)


def test_bad_input_fails_the_job_without_raising(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all, just words\n")
    manifest, events = run_job(path, tmp_path / "job")
    assert manifest.status == FAILED
    assert manifest.error == "notes.mp4: it is a text file, not a video"
    assert not (tmp_path / "job").exists()  # a refused input gets no job folder
    assert [(e.status, e.error) for e in events.of(JobFinished)] == [(FAILED, manifest.error)]
    assert not events.of(SnippetStarted)


def test_url_of_another_scheme_fails_the_job(tmp_path: Path) -> None:
    manifest, _ = run_job("http://127.0.0.1:9/clip.mp4", tmp_path / "job")
    assert manifest.status == FAILED
    assert manifest.error == (
        "http://127.0.0.1:9/clip.mp4: only https URLs can be processed, not http://"
    )


def test_snippets_that_cannot_be_written_fail_alone(make_video, tmp_path: Path) -> None:
    """Folders where two stills should go: the snippets of those stills fail with the
    reason, the others succeed, and the job is partial."""
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    settings = Settings(snippet_seconds=2, frame_interval=5)  # stills at 0 s and 5 s only
    run_job(path, job, settings)
    for snippet, still in ((0, 0), (2, 1)):  # re-rendered, but their stills cannot land
        (job / gif_relpath(snippet)).unlink()
        (job / frame_relpath(still)).unlink()
        (job / frame_relpath(still) / "in the way").mkdir(parents=True)
    manifest, events = run_job(path, job, settings)
    assert manifest.status == PARTIAL
    assert [s.status for s in manifest.snippets] == [FAILED, DONE, FAILED, DONE]
    for record in manifest.snippets:
        if record.status == FAILED:
            assert record.error.startswith(f"cannot write in {job}")
    assert sorted(e.index for e in events.of(SnippetFailed)) == [0, 2]
    assert events.of(JobProgress)[-1].failed == 2
    assert [f.t for f in manifest.frames] == []  # no still of a failed snippet is listed


# -- resume ----------------------------------------------------------------------------------


def test_rerun_skips_finished_snippets(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    first, _ = run_job(path, job)
    before = files_under(job)
    second, events = run_job(path, job)
    assert second.status == DONE
    assert events.started() == []
    assert events.of(JobStarted)[0].done == 3
    after = files_under(job)
    after.pop(MANIFEST_NAME), before.pop(MANIFEST_NAME)
    assert after == before  # not one output rewritten
    assert second.snippets == first.snippets


def test_resuming_a_manifest_without_the_source_path_records_it(make_video, tmp_path: Path) -> None:
    """Manifests written before ``source.path`` existed still resume, and learn it."""
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    run_job(path, job)
    data = json.loads((job / MANIFEST_NAME).read_text(encoding="utf-8"))
    del data["source"]["path"]
    (job / MANIFEST_NAME).write_text(json.dumps(data), encoding="utf-8")
    assert Manifest.load(job).source.path is None
    second, events = run_job(path, job)
    assert events.started() == []  # resumed: nothing rendered again
    assert second.source.path == Manifest.load(job).source.path == str(path.absolute())


def test_deleted_outputs_are_rendered_again(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    run_job(path, job)
    (job / gif_relpath(2)).unlink()
    (job / frame_relpath(4)).unlink()  # belongs to snippet 1
    before = files_under(job)
    manifest, events = run_job(path, job)
    assert manifest.status == DONE
    assert events.started() == [1, 2]
    assert (job / gif_relpath(2)).is_file() and (job / frame_relpath(4)).is_file()
    after = files_under(job)
    assert after[gif_relpath(0)] == before[gif_relpath(0)]
    assert after[frame_relpath(0)] == before[frame_relpath(0)]


def test_changed_settings_start_over(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    run_job(path, job)
    manifest, events = run_job(path, job, Settings(snippet_seconds=4, frames=False))
    assert manifest.status == DONE
    assert events.started() == [0, 1]
    assert manifest.frames == []
    assert not (job / "frames").exists()  # stills of the old settings are gone
    overview = {p.path for p in manifest.overview}
    assert set(files_under(job)) == {MANIFEST_NAME, gif_relpath(0), gif_relpath(1), *overview}


def test_changed_input_starts_over(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    path = tmp_path / "clip.mp4"
    shutil.copy(make_video(media.STEP_MP4), path)
    run_job(path, job)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    _, events = run_job(path, job)
    assert events.started() == [0, 1, 2]


def test_unreadable_manifest_starts_over(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    run_job(path, job)
    (job / MANIFEST_NAME).write_text("{ broken")
    manifest, events = run_job(path, job)
    assert manifest.status == DONE
    assert events.started() == [0, 1, 2]


# -- cancel and pause ------------------------------------------------------------------------


def test_cancel_mid_render_stops_ffmpeg_and_resume_finishes(make_video, tmp_path: Path) -> None:
    path = make_video(media.SLOW_MP4)
    job = tmp_path / "job"
    settings = Settings(snippet_seconds=8)
    events = Recorder()

    async def cancel_during_second_snippet() -> None:
        runner = LocalRunner(settings, workers=1, on_event=events)
        task = asyncio.ensure_future(runner.run_job(path, job))
        await wait_until(lambda: events.of(SnippetFinished) and render_processes())
        rendering = render_processes()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for process in rendering:  # ended and reaped before the task finished
            assert not psutil.pid_exists(process.pid)
        assert render_processes() == []

    asyncio.run(cancel_during_second_snippet())
    manifest = Manifest.load(job)
    assert manifest.status == CANCELLED
    assert [s.status for s in manifest.snippets] == [DONE, PENDING, PENDING]
    assert events.of(JobFinished)[-1].status == CANCELLED
    assert not [p for p in (job / WORK_DIR).rglob("*") if p.is_file()]  # no scratch left
    assert sorted(p.name for p in (job / "gifs").iterdir()) == ["00000.gif"]

    resumed, again = run_job(path, job, settings, workers=1)
    assert resumed.status == DONE
    assert again.started() == [1, 2]


@systems.pausing_stops_ffmpeg
def test_pause_suspends_ffmpeg_and_resume_continues(make_video, tmp_path: Path) -> None:
    path = make_video(media.SLOW_MP4)
    job = tmp_path / "job"
    events = Recorder()

    async def pause_and_resume() -> Manifest:
        runner = LocalRunner(Settings(snippet_seconds=8), workers=1, on_event=events)
        control = JobControl()
        task = asyncio.ensure_future(runner.run_job(path, job, control=control))
        await wait_until(render_processes)
        control.pause()
        assert control.paused
        process = render_processes()[0]
        await wait_until(lambda: process.status() == psutil.STATUS_STOPPED, timeout=5)
        started = len(events.of(SnippetStarted))
        await asyncio.sleep(0.5)
        assert not task.done()
        assert process.status() == psutil.STATUS_STOPPED
        assert len(events.of(SnippetStarted)) == started  # no new snippet while paused
        control.resume()
        assert not control.paused
        return await asyncio.wait_for(task, 120)

    manifest = asyncio.run(pause_and_resume())
    assert manifest.status == DONE
    assert events.started() == [0, 1, 2]


def test_job_paused_before_it_starts_waits(make_video, tmp_path: Path) -> None:
    events = Recorder()

    async def start_paused() -> Manifest:
        runner = LocalRunner(SETTINGS, workers=1, on_event=events)
        control = JobControl()
        control.pause()
        task = asyncio.ensure_future(
            runner.run_job(make_video(media.H264_MP4), tmp_path / "job", control=control)
        )
        await asyncio.sleep(0.5)
        assert not task.done()
        assert events.events == []  # not even probed
        control.resume()
        return await asyncio.wait_for(task, 60)

    assert asyncio.run(start_paused()).status == DONE


# -- batches ---------------------------------------------------------------------------------


def test_batch_with_good_and_bad_inputs(make_video, tmp_path: Path) -> None:
    good = make_video(media.H264_MP4)
    text = tmp_path / "readme.mp4"
    text.write_text("This is not a video.\n")
    empty = tmp_path / "empty.mkv"
    empty.touch()
    missing = tmp_path / "missing.mov"
    audio = make_video(media.AUDIO_M4A)
    second_good = make_video(media.VP9_WEBM)
    inputs = [good, text, empty, missing, audio, second_good]
    out = tmp_path / "out"
    events = Recorder()
    runner = LocalRunner(SETTINGS, workers=2, on_event=events)
    outcomes = asyncio.run(runner.run_batch(inputs, out))
    assert [o.input for o in outcomes] == [os.fspath(p) for p in inputs]
    statuses = {Path(o.input).name: (o.manifest.status, o.manifest.error) for o in outcomes}
    assert statuses == {
        "h264.mp4": (DONE, None),
        "readme.mp4": (FAILED, "readme.mp4: it is a text file, not a video"),
        "empty.mkv": (FAILED, "empty.mkv: the file is empty"),
        "missing.mov": (FAILED, "missing.mov: file not found"),
        "audio.m4a": (FAILED, "audio.m4a: it has no video stream (audio only)"),
        "vp9.webm": (DONE, None),
    }
    for outcome in outcomes:
        assert outcome.job_dir == job_dir_for(out, outcome.input)
        if outcome.manifest.status == DONE:
            assert Manifest.load(outcome.manifest_path).status == DONE
        else:  # refused before any work: no folder holding only a manifest
            assert not outcome.job_dir.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        job_dir_for(out, p).name for p in (good, second_good)
    )
    assert len(events.of(JobFinished)) == len(inputs)


def test_same_file_twice_is_processed_once(make_video, tmp_path: Path) -> None:
    path = make_video(media.H264_MP4)
    events = Recorder()
    runner = LocalRunner(SETTINGS, workers=2, on_event=events)
    outcomes = asyncio.run(runner.run_batch([path, str(path)], tmp_path / "out"))
    assert len(outcomes) == 2
    assert outcomes[0].job_dir == outcomes[1].job_dir
    assert all(o.manifest.status == DONE for o in outcomes)
    assert len(events.of(JobStarted)) == 1
    assert events.started() == [0]


def test_same_name_in_two_folders_gets_two_jobs(make_video, tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"
    for target, spec in ((one, media.H264_MP4), (two, media.STEP_MP4)):
        target.parent.mkdir()
        shutil.copy(make_video(spec), target)
    outcomes = asyncio.run(LocalRunner(SETTINGS, workers=2).run_batch([one, two], tmp_path / "out"))
    assert outcomes[0].job_dir != outcomes[1].job_dir
    assert [len(o.manifest.snippets) for o in outcomes] == [1, 3]
    assert all(o.manifest.status == DONE for o in outcomes)


HOSTILE_NAMES = [
    "holiday clip.mp4",
    "Été à Kyōto 東京.mp4",
    'it\'s "quoted".mp4',
    "[brackets] (and) {braces}.mp4",
    "$(touch pwned).mp4",
    "`touch pwned`.mp4",
    "-y.mp4",
    "--help.mp4",
    "100%d %s %n.mp4",
    "concat:a.mp4|b.mp4",
    "file:clip.mp4",
    "a:b;c&d|e>f.mp4",
    "tab\tand\nnewline.mp4",
]


def test_hostile_file_names_are_processed_safely(
    make_video, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "in %d $(x)"
    folder.mkdir()
    inputs = []
    for name in HOSTILE_NAMES:
        shutil.copy(make_video(media.H264_MP4), folder / name)
        inputs.append(folder / name)
    out = tmp_path / "out 100% [x]"
    runner = LocalRunner(Settings(gif_width=32, frame_width=32), workers=2)
    outcomes = asyncio.run(runner.run_batch(inputs, out))
    for outcome in outcomes:
        assert outcome.manifest.status == DONE, (outcome.input, outcome.manifest.error)
        assert outcome.manifest.source.name == Path(outcome.input).name
        assert (outcome.job_dir / gif_relpath(0)).is_file()
        assert (outcome.job_dir / frame_relpath(1)).is_file()
    assert len({o.job_dir for o in outcomes}) == len(HOSTILE_NAMES)
    assert not list(tmp_path.rglob("pwned")) and not Path("/pwned").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in %d $(x)", "out 100% [x]"]


def test_the_start_timecode_is_recorded_and_filled_in_on_resume(make_video, tmp_path: Path) -> None:
    video = make_video(media.TIMECODE_DF_MOV)
    job = tmp_path / "job"
    runner = LocalRunner(SETTINGS, workers=1)
    manifest = asyncio.run(runner.run_job(video, job))
    assert manifest.status == DONE and manifest.source.timecode == "00:59:59;28"
    data = json.loads((job / MANIFEST_NAME).read_text())
    assert data["minor"] >= 1 and data["source"]["timecode"] == "00:59:59;28"
    # A manifest written before timecodes were read: resuming fills it in, renders nothing.
    del data["source"]["timecode"]
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    gif = job / gif_relpath(0)
    before = gif.stat().st_mtime_ns
    again = asyncio.run(runner.run_job(video, job))
    assert again.source.timecode == "00:59:59;28"
    assert gif.stat().st_mtime_ns == before


# -- the overview pass, where to render first, a file found truncated late ---------------------


def test_overview_pictures_are_listed_and_announced(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    manifest, events = run_job(make_video(media.KEYFRAMES_MP4), job, workers=1)
    announced = [p for e in events.of(OverviewAdded) for p in e.pictures]
    assert [p.t for p in manifest.overview] == [float(t) for t in range(0, 20, 2)]
    assert sorted(announced, key=lambda p: p.t) == manifest.overview
    assert all((job / p.path).is_file() for p in manifest.overview)
    assert Manifest.load(job).overview == manifest.overview


def test_overview_can_be_turned_off(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    recorder = Recorder()
    runner = LocalRunner(SETTINGS, workers=2, on_event=recorder, overview=False)
    manifest = asyncio.run(runner.run_job(make_video(media.STEP_MP4), job))
    assert manifest.status == DONE and manifest.overview == []
    assert not recorder.of(OverviewAdded)
    assert not (job / OVERVIEW_DIR).exists()


def test_a_resumed_job_keeps_its_overview(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    path = make_video(media.KEYFRAMES_MP4)
    first, _ = run_job(path, job, Settings(snippet_seconds=5, frames=False), workers=1)
    kept = first.overview
    (job / gif_relpath(3)).unlink()  # one snippet to do again
    (job / kept[2].path).unlink()  # and a lost picture is no longer listed
    again, events = run_job(path, job, Settings(snippet_seconds=5, frames=False), workers=1)
    assert events.started() == [3]
    assert kept[2] not in again.overview
    assert kept[:2] == again.overview[:2]
    assert again.overview[-1].t == 18.0  # the pass went on from its last picture


def test_the_part_looked_at_is_rendered_next(make_video, tmp_path: Path) -> None:
    control = JobControl()
    control.look_at(4.0)  # in snippet 1 of 0, 1, 2
    _, events = run_job(make_video(media.STEP_MP4), tmp_path / "job", workers=1, control=control)
    assert [e.index for e in events.of(SnippetStarted)] == [1, 2, 0]


def test_looking_elsewhere_during_a_run_changes_what_comes_next(make_video, tmp_path: Path) -> None:
    control = JobControl()
    events = Recorder()

    def on_event(event: JobEvent) -> None:
        events(event)
        if isinstance(event, SnippetStarted) and event.index == 0:
            control.look_at(22.0)  # while snippet 0 renders: the last one, then from the start

    runner = LocalRunner(Settings(snippet_seconds=8), workers=1, on_event=on_event)
    job = tmp_path / "job"
    manifest = asyncio.run(runner.run_job(make_video(media.SLOW_MP4), job, control=control))
    assert manifest.status == DONE
    assert [e.index for e in events.of(SnippetStarted)] == [0, 2, 1]


def test_a_file_found_truncated_beside_the_work_fails_with_no_folder_left(
    make_video, tmp_path: Path
) -> None:
    # The probe found the video's end without reading every packet; the scan beside the
    # work reads them, finds the file cut short (here: cut while the job waits paused) and
    # the job ends as if the probe had refused it.
    path = tmp_path / "cut.mkv"
    shutil.copy(make_video(media.H264_MKV), path)
    control = JobControl()
    events = Recorder()

    def on_event(event: JobEvent) -> None:
        events(event)
        if isinstance(event, JobStarted):
            control.pause()
            media.truncated_copy(path, path, 0.5)

    job = tmp_path / "out" / "job"
    runner = LocalRunner(SETTINGS, workers=1, on_event=on_event, overview=False)
    manifest = asyncio.run(runner.run_job(path, job, control=control))
    assert manifest.status == FAILED and manifest.snippets == []
    assert manifest.error is not None
    assert manifest.error.startswith("cut.mkv: the file is truncated (its data ends at 0:0")
    finished = events.of(JobFinished)[0]
    assert (finished.status, finished.error) == (FAILED, manifest.error)
    assert not job.exists()  # made for this run: removed, as for an input refused at once
