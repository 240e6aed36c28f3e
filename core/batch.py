"""Running a batch of inputs through any backend's ``run_job``: one job folder per input,
the same file listed twice processed once, one bad input failing alone; and what every
backend reports for a job folder another FrameFan is writing."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .events import EventCallback, JobFinished
from .job_folder import JobFolderError
from .layout import MANIFEST_NAME, job_dir_for
from .manifest import FAILED, Manifest
from .settings import Settings


@dataclass
class JobOutcome:
    """The result of one input of a batch."""

    input: str
    job_dir: Path
    manifest: Manifest

    @property
    def manifest_path(self) -> Path:
        return self.job_dir / MANIFEST_NAME


async def run_batch(
    run_job: Callable[[str | os.PathLike[str], Path], Awaitable[Manifest]],
    inputs: Sequence[str | os.PathLike[str]],
    out_root: Path,
) -> list[JobOutcome]:
    """Run ``run_job(input, job_dir)`` for every distinct input, concurrently (the backend
    bounds its own parallelism), and report one outcome per input, in order."""
    dirs = [job_dir_for(out_root, os.fspath(p)) for p in inputs]
    unique: dict[Path, str | os.PathLike[str]] = {}
    for path, job_dir in zip(inputs, dirs, strict=True):
        unique.setdefault(job_dir, path)
    manifests = await asyncio.gather(*(run_job(path, job_dir) for job_dir, path in unique.items()))
    by_dir = dict(zip(unique, manifests, strict=True))
    return [JobOutcome(os.fspath(p), d, by_dir[d]) for p, d in zip(inputs, dirs, strict=True)]


def refused_outcome(
    emit: EventCallback,
    job_dir: Path,
    name: str,
    settings: Settings,
    problem: JobFolderError | OSError,
    backend: str = "local",
) -> Manifest:
    """The result of a job whose folder cannot be taken (another FrameFan holds it, it is
    not FrameFan's to write in, it cannot be created): failed with the reason, and nothing
    written in the folder."""
    if isinstance(problem, OSError):
        reason = f"cannot create the job folder {job_dir}: {problem.strerror or problem}"
    else:
        reason = str(problem)
    error = f"{name}: {reason}"
    manifest = Manifest.rejected(job_dir.name, name, settings, error)
    manifest.backend = backend
    emit(JobFinished(job_dir.name, FAILED, error, job_dir / MANIFEST_NAME))
    return manifest
