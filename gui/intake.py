"""Turning dropped, chosen or handed-over paths into queue entries: scan folders, tell
earlier jobs (a ``manifest.json`` or its folder) from videos, notice what is already queued
or was made with other settings, and say in one message what happened (no dialog per file).

:func:`take_in` blocks (it reads the file system): run it in the I/O executor.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import FrameFanError
from core.layout import MANIFEST_NAME, job_dir_for
from core.scan import ScanResult, collect_inputs, input_identity
from core.settings import Settings

from .job_reader import read_job
from .queue.entry import QueueEntry


@dataclass(frozen=True)
class Queued:
    """What intake needs to know of an entry already in the queue."""

    entry_id: str
    input: str
    rejected: bool  # refused before any work: adding the file again tries it again
    finished: bool
    settings: Settings | None

    @classmethod
    def of(cls, entry: QueueEntry) -> Queued | None:
        if entry.input is None:
            return None
        return cls(entry.id, entry.input, entry.rejected, entry.finished, entry.settings)


@dataclass
class Earlier:
    """A video whose job was made with settings other than the current ones."""

    path: Path
    entry_id: str | None  # its entry in the queue, if it is there
    entry: QueueEntry | None = None  # else a new entry showing that earlier job
    settings: Settings | None = None


@dataclass
class Intake:
    new: list[Path] = field(default_factory=list)
    duplicates: list[Path] = field(default_factory=list)
    again: list[str] = field(default_factory=list)  # entries refused before, to try again
    earlier: list[Earlier] = field(default_factory=list)
    jobs: list[Path] = field(default_factory=list)  # manifests of earlier jobs to open
    scan: ScanResult = field(default_factory=ScanResult)

    @property
    def left_out(self) -> bool:
        """Something was not added: worth a message that stays until read."""
        scan = self.scan
        return bool(self.duplicates or scan.skipped or scan.missing or scan.truncated)

    def summary(self) -> str:
        parts = []
        if self.new:
            parts.append(f"Added {_count(len(self.new), 'video')}")
        if self.again:
            parts.append(f"trying {_count(len(self.again), 'refused video')} again")
        if self.earlier:
            parts.append(f"{_count(len(self.earlier), 'video')} made with earlier settings")
        if self.duplicates:
            names = ", ".join(p.name for p in self.duplicates[:2])
            more = "…" if len(self.duplicates) > 2 else ""
            parts.append(f"already in the queue: {names}{more}")
        if self.scan.skipped:
            n = len(self.scan.skipped)
            what = "file that is not a video" if n == 1 else "files that are not videos"
            parts.append(f"skipped {n} {what}")
        if self.scan.missing:
            names = ", ".join(p.name for p in self.scan.missing[:2])
            more = "…" if len(self.scan.missing) > 2 else ""
            parts.append(f"not found: {names}{more}")
        if self.scan.truncated:
            parts.append("stopped at the first 10,000 videos")
        text = "; ".join(parts) or ("" if self.jobs else "Nothing to add")
        return text[:1].upper() + text[1:]


def split_jobs(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """``(videos and folders, manifests)``: a ``manifest.json``, or a folder holding one,
    is an earlier job to open rather than something to process."""
    rest, jobs = [], []
    for path in paths:
        if path.name == MANIFEST_NAME and path.is_file():
            jobs.append(path)
        elif path.is_dir() and (path / MANIFEST_NAME).is_file():
            jobs.append(path / MANIFEST_NAME)
        else:
            rest.append(path)
    return rest, jobs


def take_in(
    paths: Iterable[Path],
    queued: Iterable[Queued],
    output_folder: Path | None = None,
    current: Settings | None = None,
) -> Intake:
    """Sort ``paths`` into what to add, open, try again or offer to re-render."""
    videos, jobs = split_jobs(Path(p) for p in paths)
    intake = Intake(jobs=jobs, scan=collect_inputs(videos))
    known = {input_identity(q.input): q for q in queued}
    for path in intake.scan.videos:
        entry = known.get(input_identity(path))
        if entry is None:
            earlier = _earlier_job(path, output_folder, current)
            if earlier is not None:
                intake.earlier.append(earlier)
            else:
                intake.new.append(path)
        elif entry.rejected:
            intake.again.append(entry.entry_id)
        elif entry.finished and current is not None and entry.settings not in (None, current):
            intake.earlier.append(Earlier(path, entry.entry_id, settings=entry.settings))
        else:
            intake.duplicates.append(path)
    return intake


def _earlier_job(path: Path, output_folder: Path | None, current: Settings | None):
    """The job of ``path`` left in the output folder by an earlier session, when it was
    made with settings other than ``current`` (with the same ones, adding the video just
    resumes it)."""
    if output_folder is None or current is None:
        return None
    job_dir = job_dir_for(output_folder, path)
    if not (job_dir / MANIFEST_NAME).is_file():
        return None
    with contextlib.suppress(FrameFanError, OSError):
        job = read_job(job_dir / MANIFEST_NAME)
        if job.manifest.snippets and job.manifest.settings != current:
            entry = job.entry()
            entry.input = str(path)
            return Earlier(path, None, entry, job.manifest.settings)
    return None


def new_entry(path: Path, backend: str) -> QueueEntry:
    return QueueEntry(input=str(path), name=path.name, backend=backend)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
