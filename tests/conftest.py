"""Shared fixtures: real ffmpeg, generated videos cached for the session, leak guards."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil
import pytest

from core.ffmpeg_locator import find_ffmpeg

from . import media, processes


def pytest_configure(config: pytest.Config) -> None:
    # Before any test starts a process: orphans it leaves must come back to us.
    processes.become_subreaper()


@pytest.fixture(scope="session", autouse=True)
def scratch_cache(tmp_path_factory: pytest.TempPathFactory):
    """Measurements the app keeps between runs (calibrations, the uplink) go to a scratch
    folder, never the real user's cache (subprocesses inherit it)."""
    from core.estimate.store import ENV_VAR

    previous = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if previous is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = previous


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return find_ffmpeg()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def make_video(media_dir: Path):
    """Generate (once per session) a video from a :class:`tests.media.Spec`."""

    def make(spec: media.Spec) -> Path:
        return media.make(spec, media_dir)

    return make


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """Fail a test that leaves a process (an ffmpeg, say) running: a child, a grandchild, or
    an orphan of either (see tests/processes.py)."""
    yield
    leftover = processes.running_descendants()
    names = []
    for process in leftover:
        with contextlib.suppress(psutil.Error):
            names.append(f"{process.pid} {process.name()}")
    processes.kill(leftover)
    processes.reap_orphans()
    if leftover:
        pytest.fail(f"test left processes running: {', '.join(names)}")
