"""A rendered job to export from: 8 s with a start timecode of 01:00:00:00, a keyframe every
second, sound, brightness stepping each second; snippets of 3 s, one still per second."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from core.export import ExportJob, open_job
from core.manifest import DONE
from core.runner import LocalRunner
from core.settings import Settings

from .. import media

SETTINGS = Settings(snippet_seconds=3, gif_width=160, frame_width=320)


@pytest.fixture(scope="session")
def rendered_job(make_video, tmp_path_factory: pytest.TempPathFactory) -> Path:
    video = make_video(media.TIMECODE_MOV)
    job_dir = tmp_path_factory.mktemp("jobs") / "timecode"
    runner = LocalRunner(SETTINGS, workers=2)
    manifest = asyncio.run(runner.run_job(video, job_dir))
    assert manifest.status == DONE, manifest.error
    return job_dir


@pytest.fixture
def job_dir(rendered_job: Path, tmp_path: Path) -> Path:
    """A copy of the rendered job, for the test to change."""
    return Path(shutil.copytree(rendered_job, tmp_path / "job"))


@pytest.fixture
def job(job_dir: Path) -> ExportJob:
    return open_job(job_dir)


def run(coroutine):
    return asyncio.run(coroutine)
