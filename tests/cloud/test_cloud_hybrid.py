"""Hybrid jobs: this machine renders from the end while segments go to the emulator from
the start; each side skips what the other did, and the manifest says who rendered what."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from core.cloud.hybrid import HybridRunner
from core.cloud.stack import CloudTarget
from core.events import JobFinished, SnippetFinished
from core.manifest import DONE, Manifest
from core.runner import LocalRunner, SnippetChoice

from .. import media
from .conftest import FAST_POLLING, SETTINGS, STACK


def _slow_ffmpeg(folder: Path, ffmpeg: str, seconds: float) -> Path:
    """An ffmpeg that takes ``seconds`` longer to render (and only to render)."""
    script = folder / "slow-ffmpeg"
    script.write_text(
        f'#!/bin/sh\ncase " $* " in *" -filter_complex "*) sleep {seconds} ;; esac\n'
        f'exec "{ffmpeg}" "$@"\n'
    )
    script.chmod(0o755)
    return script


@pytest.mark.slow
def test_a_hybrid_job_is_split_and_says_who_rendered_each_snippet(
    aws_env, make_video, ffmpeg, tmp_path
):
    video = tmp_path / "hybrid.mp4"
    shutil.copyfile(make_video(media.NOISY_SMALL_MP4), video)
    events: list = []
    runner = HybridRunner(
        SETTINGS,
        CloudTarget(STACK),
        workers=1,
        ffmpeg=str(_slow_ffmpeg(tmp_path, ffmpeg, 4)),
        on_event=events.append,
        polling=FAST_POLLING,
        upload="segments",
    )
    job_dir = tmp_path / "job"
    manifest = asyncio.run(runner.run_job(video, job_dir))
    assert manifest.status == DONE, manifest.error
    saved = Manifest.load(job_dir)
    sides = [s.backend for s in saved.snippets]
    assert saved.backend == "hybrid" and set(sides) == {"local", "lambda"}
    assert sides[-1] == "local" and sides[0] == "lambda"  # from the end, and from the start
    finished = [e for e in events if isinstance(e, SnippetFinished)]
    assert sorted(e.index for e in finished) == [0, 1, 2]
    assert {e.index: e.backend for e in finished} == dict(enumerate(sides))
    assert [type(e) for e in events].count(JobFinished) == 1
    assert not (job_dir / ".hybrid").exists()
    local = asyncio.run(LocalRunner(SETTINGS, workers=2).run_job(video, tmp_path / "local"))
    assert [f.path for f in saved.frames] == [f.path for f in local.frames]


def test_a_hybrid_job_runs_here_when_the_cloud_cannot_take_it(aws_env, named_clip, tmp_path):
    events: list = []
    runner = HybridRunner(SETTINGS, CloudTarget("no-such-stack"), workers=2, on_event=events.append)
    manifest = asyncio.run(runner.run_job(named_clip("alone.mp4"), tmp_path / "job"))
    assert manifest.status == DONE and manifest.backend == "local"
    assert [e.status for e in events if isinstance(e, JobFinished)] == [DONE]


def test_the_local_backend_renders_only_what_it_may_claim_in_the_order_given(make_video, tmp_path):
    asked: list[int] = []

    def claim(index: int) -> bool:
        asked.append(index)
        return index != 1

    video = make_video(media.STEP_MP4)  # 4 snippets of 2 s
    choice = SnippetChoice(order=[3, 2, 1, 0], claim=claim)
    runner = LocalRunner(SETTINGS, workers=1)
    manifest = asyncio.run(runner.run_job(video, tmp_path / "job", choice=choice))
    assert asked == [3, 2, 1, 0]
    assert [s.status for s in manifest.snippets] == [DONE, "pending", DONE, DONE]
