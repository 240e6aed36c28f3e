"""Where a job runs is a choice among backends that all look the same to the window.

A backend makes a runner with ``await runner.run_job(source, job_dir, control=...)`` that
reports :mod:`core.events` through ``on_event`` and writes the standard job folder and
manifest. The window never asks which backend it is talking to; it only reads the few
capabilities declared here (can a job be paused, how many jobs run at once).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.events import EventCallback
from core.manifest import Manifest
from core.preflight import Problem, check_ffmpeg
from core.runner import JobControl, LocalRunner
from core.settings import Settings


class JobRunner(Protocol):
    async def run_job(
        self, source: str | os.PathLike[str], job_dir: Path, *, control: JobControl | None = None
    ) -> Manifest: ...


@dataclass(frozen=True)
class RunnerOptions:
    settings: Settings
    workers: int
    ffmpeg: str | None
    on_event: EventCallback


@dataclass(frozen=True)
class Backend:
    key: str  # stored in settings and manifests
    label: str
    can_pause: bool
    concurrent_jobs: int  # jobs of the queue running at once
    make_runner: Callable[[RunnerOptions], JobRunner]
    # Problems that stop every job of this backend (checked before each job starts).
    check: Callable[[RunnerOptions], list[Problem]]


def _local_runner(options: RunnerOptions) -> JobRunner:
    return LocalRunner(
        options.settings, workers=options.workers, ffmpeg=options.ffmpeg, on_event=options.on_event
    )


def _local_check(options: RunnerOptions) -> list[Problem]:
    problem = check_ffmpeg(options.ffmpeg)
    return [problem] if problem else []


LOCAL = Backend(
    key="local",
    label="Local",
    can_pause=True,
    # One job at a time: its snippets already keep every worker busy, and the queue order
    # is the order the user sees.
    concurrent_jobs=1,
    make_runner=_local_runner,
    check=_local_check,
)

BACKENDS: dict[str, Backend] = {LOCAL.key: LOCAL}
DEFAULT_BACKEND = LOCAL.key


def backend(key: str) -> Backend:
    """The backend registered as ``key`` (the local one for an unknown key)."""
    return BACKENDS.get(key, LOCAL)
