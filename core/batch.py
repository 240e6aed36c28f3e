"""Running a batch of inputs through any backend's ``run_job``: one job folder per input,
the same file listed twice processed once, one bad input failing alone."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .layout import MANIFEST_NAME, job_dir_for
from .manifest import Manifest


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
