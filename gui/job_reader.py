"""Reading an earlier job from its manifest (File ▸ Open job…, recent jobs) into a queue
entry. Blocking: run it in the I/O executor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.manifest import DONE, Manifest

from .queue.entry import QueueEntry


@dataclass
class OpenedJob:
    manifest: Manifest
    job_dir: Path
    # The source video when the manifest records where it is and it is still there, so the
    # job can be run again; otherwise the job can be viewed only.
    input: str | None
    moved: str | None = None  # the recorded source path, when nothing is there any more

    def entry(self) -> QueueEntry:
        # Any finished state lets the manifest set the real one (an interrupted run reads
        # as stopped).
        manifest = self.manifest
        entry = QueueEntry(self.input, manifest.source.name, manifest.backend, self.job_dir, DONE)
        entry.update_from_manifest(manifest)
        return entry


def read_job(path: Path) -> OpenedJob:
    """The job whose manifest is ``path`` (or is in the folder ``path``); raises
    :class:`core.errors.ManifestError` when there is none or it cannot be read."""
    manifest = Manifest.load(path)
    job_dir = (path if path.is_dir() else path.parent).absolute()
    recorded = manifest.source.path
    if recorded and Path(recorded).is_file():
        return OpenedJob(manifest, job_dir, recorded)
    return OpenedJob(manifest, job_dir, None, recorded or None)
