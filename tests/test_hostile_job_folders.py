"""The local runner against hostile or damaged job folders, a second writer, inputs that
change or stall, resource bombs and umask: each way a job folder or a run was broken."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from core import job_run
from core.events import JobFinished, SnippetFinished, SnippetStarted
from core.layout import FRAMES_DIR, GIFS_DIR, LOCK_NAME, MANIFEST_NAME, WORK_DIR
from core.limits import Limits
from core.manifest import DONE, FAILED, Manifest
from core.runner import LocalRunner
from core.settings import Settings

from . import media
from .test_runner import SETTINGS, Recorder, files_under, render_processes, run_job, wait_until

# -- links planted where FrameFan writes or deletes -----------------------------------------

PLANTED = [WORK_DIR, FRAMES_DIR, GIFS_DIR, LOCK_NAME, MANIFEST_NAME]


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder outside the output folder, with a file that must survive."""
    folder = tmp_path / "victim"
    (folder / "snippet-00000").mkdir(parents=True)
    (folder / "precious.txt").write_text("keep me")
    (folder / "snippet-00000" / "precious.txt").write_text("keep me too")
    return folder


def victim_untouched(folder: Path) -> None:
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [
        "precious.txt",
        "snippet-00000",
        "snippet-00000/precious.txt",
    ]
    assert (folder / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("name", PLANTED)
def test_links_planted_in_a_new_job_folder_are_never_followed(
    make_video, tmp_path: Path, victim: Path, name: str
) -> None:
    job = tmp_path / "out" / "job"
    job.mkdir(parents=True)
    target = victim / "precious.txt" if name in (LOCK_NAME, MANIFEST_NAME) else victim
    (job / name).symlink_to(target)
    manifest, _ = run_job(make_video(media.H264_MP4), job)
    assert manifest.status == DONE, manifest.error
    victim_untouched(victim)
    for folder in (job, job / GIFS_DIR, job / FRAMES_DIR):
        assert not folder.is_symlink()


@pytest.mark.parametrize("name", [FRAMES_DIR, GIFS_DIR])
def test_links_planted_in_a_job_under_way_are_refused(
    make_video, tmp_path: Path, victim: Path, name: str
) -> None:
    job = tmp_path / "job"
    path = make_video(media.STEP_MP4)
    run_job(path, job)
    shutil.rmtree(job / name)
    (job / name).symlink_to(victim)
    manifest, events = run_job(path, job)
    assert manifest.status == FAILED
    assert manifest.error == (
        f"step.mp4: {job / name} is a link (to {victim}): FrameFan writes only inside the job "
        "folder; remove the link and run the job again"
    )
    assert events.started() == []
    victim_untouched(victim)


def test_a_job_folder_that_is_a_link_is_refused_and_left_alone(
    make_video, tmp_path: Path, victim: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "job").symlink_to(victim)
    manifest, events = run_job(make_video(media.H264_MP4), tmp_path / "out" / "job")
    assert manifest.status == FAILED
    assert "is a link" in (manifest.error or "")
    assert [e.status for e in events.of(JobFinished)] == [FAILED]
    victim_untouched(victim)


# -- one writer -----------------------------------------------------------------------------


def test_a_second_run_on_the_same_folder_is_refused_and_harms_nothing(
    make_video, tmp_path: Path
) -> None:
    path, job = make_video(media.SLOW_MP4), tmp_path / "job"
    first_events, second_events = Recorder(), Recorder()

    async def both() -> tuple[Manifest, Manifest]:
        first = LocalRunner(Settings(snippet_seconds=8), workers=1, on_event=first_events)
        task = asyncio.ensure_future(first.run_job(path, job))
        await wait_until(render_processes)
        second = LocalRunner(Settings(snippet_seconds=8), workers=1, on_event=second_events)
        refused = await second.run_job(path, job)
        return await task, refused

    done, refused = asyncio.run(both())
    assert done.status == DONE and Manifest.load(job).status == DONE
    assert refused.status == FAILED
    assert refused.error == f"slow.mp4: {job} is already being processed by this FrameFan"
    assert [(e.status, e.error) for e in second_events.of(JobFinished)] == [(FAILED, refused.error)]
    assert not second_events.of(SnippetStarted)


# -- a manifest that cannot be read ---------------------------------------------------------


def test_an_unreadable_manifest_is_kept_aside_and_the_job_starts_over(
    make_video, tmp_path: Path
) -> None:
    job = tmp_path / "job"
    job.mkdir()
    nested = '{"version": 1, "job_id": ' + "[" * 50_000 + "]" * 50_000 + "}"
    (job / MANIFEST_NAME).write_text(nested)
    manifest, _ = run_job(make_video(media.H264_MP4), job)
    assert manifest.status == DONE
    assert (job / "manifest.json.bad").read_text() == nested


# -- inputs that change or stall ------------------------------------------------------------


@pytest.mark.slow
def test_an_input_replaced_mid_run_fails_the_job_and_the_rerun_starts_over(
    make_video, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    shutil.copy(make_video(media.SLOW_MP4), video)
    other = make_video(media.STEP_MP4)
    job = tmp_path / "job"
    events = Recorder()

    async def replace_after_first() -> Manifest:
        runner = LocalRunner(Settings(snippet_seconds=8), workers=1, on_event=events)
        task = asyncio.ensure_future(runner.run_job(video, job))
        await wait_until(lambda: events.of(SnippetFinished))
        shutil.copy(other, video.with_name("new.mp4"))
        os.replace(video.with_name("new.mp4"), video)  # as editors' tools save files
        return await task

    manifest = asyncio.run(replace_after_first())
    assert manifest.status == FAILED
    assert manifest.error == (
        "clip.mp4: the input changed while it was processed; run the job again to start over"
    )
    assert Manifest.load(job).status == FAILED
    assert manifest.counts()[DONE] < len(manifest.snippets)
    again, events = run_job(video, job, SETTINGS)
    assert again.status == DONE
    assert events.started() == list(range(len(again.snippets)))  # nothing kept from before


@pytest.mark.slow
def test_a_render_that_stalls_ends_within_its_timeout(
    make_video, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO swapped in for the input just as a render opens it blocks ffmpeg forever.
    The window is too small to hit on purpose, so the change check is turned off here: the
    render's timeout alone must end it."""
    monkeypatch.setattr(job_run.input_watch, "change", lambda path, identity: None)
    monkeypatch.setattr(job_run, "FIRST_TIMEOUT", 3.0)  # seconds instead of minutes
    monkeypatch.setattr(job_run, "FIRST_TIMEOUT_PER_SECOND", 0.0)
    monkeypatch.setattr(job_run, "TIMEOUT_FLOOR", 3.0)
    monkeypatch.setattr(job_run, "TIMEOUT_MARGIN", 0.0)
    video = tmp_path / "clip.mp4"
    shutil.copy(make_video(media.SLOW_MP4), video)
    events = Recorder()

    async def swap_during_the_run() -> Manifest:
        runner = LocalRunner(Settings(snippet_seconds=12), workers=1, on_event=events)
        task = asyncio.ensure_future(runner.run_job(video, tmp_path / "job"))
        await wait_until(render_processes)
        video.unlink()
        os.mkfifo(video)  # the next render blocks opening it
        return await asyncio.wait_for(task, 60)

    manifest = asyncio.run(swap_during_the_run())
    failed = [s for s in manifest.snippets if s.status == FAILED]
    assert failed and all("rendering took longer than 3 s" in (s.error or "") for s in failed)
    assert render_processes() == []


@pytest.mark.slow
def test_render_timeouts_follow_the_snippet_length_and_measured_speed() -> None:
    assert job_run.render_timeout(30, []) == 120 + 30 * 30  # nothing measured: generous
    assert job_run.render_timeout(30, [0.1, 0.4]) == 120  # fast renders: the floor
    assert job_run.render_timeout(30, [2.0]) == 10 * 2.0 * 30  # slow ones: ten times
    assert job_run.render_timeout(30, [50.0]) == 120 + 30 * 30  # never above the first


def test_an_input_that_becomes_a_fifo_fails_the_job_at_the_next_snippet(
    make_video, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    shutil.copy(make_video(media.SLOW_MP4), video)

    async def swap_during_the_run() -> Manifest:
        runner = LocalRunner(Settings(snippet_seconds=8), workers=1)
        task = asyncio.ensure_future(runner.run_job(video, tmp_path / "job"))
        await wait_until(render_processes)
        video.unlink()
        os.mkfifo(video)  # a render starting now blocks opening it
        return await asyncio.wait_for(task, 30)

    manifest = asyncio.run(swap_during_the_run())
    assert manifest.status == FAILED
    assert manifest.error == (
        "clip.mp4: the input changed while it was processed; run the job again to start over"
    )


# -- resource bombs -------------------------------------------------------------------------


def test_pictures_over_the_limit_are_refused_before_decoding(make_video, tmp_path: Path) -> None:
    big = make_video(
        media.Spec("big-42mp.mp4", "color=c=gray:s=8192x5120:r=1:d=1", extra=["-g", "1"])
    )
    manifest, events = run_job(big, tmp_path / "job")
    assert manifest.status == FAILED
    assert manifest.error is not None
    assert manifest.error.startswith(
        "big-42mp.mp4: its pictures are 8192×5120 (41.9 megapixels), more than the 40 "
        "megapixels allowed (max_megapixels limit); each render of it needs about"
    )
    assert not events.of(SnippetStarted)
    small = make_video(media.Spec("1600x900.mp4", "color=c=gray:s=1600x900:r=5:d=1"))
    runner = LocalRunner(SETTINGS, workers=1, limits=Limits(max_megapixels=1))
    refused = asyncio.run(runner.run_job(small, tmp_path / "small"))
    assert "(1.4 megapixels), more than the 1 megapixels allowed" in (refused.error or "")


def test_plans_over_the_limits_are_refused_but_jobs_under_way_resume(
    make_video, tmp_path: Path
) -> None:
    path, job = make_video(media.STEP_MP4), tmp_path / "job"
    tight = LocalRunner(SETTINGS, workers=2, limits=Limits(max_stills=5))
    refused = asyncio.run(tight.run_job(path, job))
    assert refused.error == (
        "step.mp4: it would make 8 still frames, more than the 5 allowed per job (max_stills "
        "limit); use a frame interval of at least 1.6 s, or no stills"
    )
    tight = LocalRunner(SETTINGS, workers=2, limits=Limits(max_snippets=2))
    assert "it would make 3 snippets, more than the 2 allowed" in (
        asyncio.run(tight.run_job(path, job)).error or ""
    )
    done, _ = run_job(path, job)
    assert done.status == DONE
    # Limits are no part of a job's identity: lowering one never discards finished work.
    events = Recorder()
    again = LocalRunner(SETTINGS, workers=2, on_event=events, limits=Limits(max_stills=5))
    assert asyncio.run(again.run_job(path, job)).status == DONE
    assert events.started() == []


def test_large_pictures_run_fewer_renders_at_once(make_video, tmp_path: Path) -> None:
    running, peak = 0, 0

    def on_event(event) -> None:
        nonlocal running, peak
        if isinstance(event, SnippetStarted):
            running += 1
            peak = max(peak, running)
        elif isinstance(event, SnippetFinished):
            running -= 1

    # Memory for one render of these pictures only (160×120: about 64 MB each).
    runner = LocalRunner(
        Settings(snippet_seconds=1), workers=2, on_event=on_event, memory=120 * 1024 * 1024
    )
    manifest = asyncio.run(runner.run_job(make_video(media.STEP_MP4), tmp_path / "job"))
    assert manifest.status == DONE and len(manifest.snippets) == 8
    assert peak == 1


# -- files as the user's programs make them -------------------------------------------------


def test_outputs_and_manifest_follow_the_umask(make_video, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        manifest, _ = run_job(make_video(media.H264_MP4), tmp_path / "job")
    finally:
        os.umask(old)
    job = tmp_path / "job"
    modes = {
        name: stat.S_IMODE((job / name).stat().st_mode)
        for name in [MANIFEST_NAME, LOCK_NAME, manifest.snippets[0].gif, manifest.frames[0].path]
    }
    assert set(modes.values()) == {0o640}, modes


def test_no_scratch_or_reserve_is_left_behind(make_video, tmp_path: Path) -> None:
    job = tmp_path / "job"
    run_job(make_video(media.STEP_MP4), job)
    assert not (job / WORK_DIR).exists()
    assert not any(name.startswith(".manifest") for name in files_under(job))
    data = json.loads((job / MANIFEST_NAME).read_text())
    assert data["status"] == DONE
