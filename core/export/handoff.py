"""Copies of a job's stills and GIFs under names that say what they are, for other programs.

A picture dragged out of the window or copied to the clipboard reaches other programs as a
file: ``interview_00-01-35.jpg`` says what it shows, ``frames/000095.jpg`` does not, and the
job folder's own file must not be what a chat program or an editing app takes hold of. The
copies go into a hand-off folder (in the app's cache), each in a folder of its own so that
two jobs' pictures of the same name never replace each other while a drop is being read.
Copies older than :data:`KEEP_SECONDS` are removed when a new one is made.

A snippet's GIF saved elsewhere (:func:`export_snippet_gif`) is the same copy, written with
the usual guarantees of an export (:mod:`core.export.output`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..errors import ExportError, UsageError
from ..safe_read import UnsafeFileError, read_recorded_file
from .job import MAX_GIF_BYTES, ExportJob
from .output import staged_file
from .work import ProgressCallback, Steps, in_thread

KEEP_SECONDS = 24 * 3600  # long enough for any program to have read a dropped file
_PREFIX = "copy-"


def read_picture(job: ExportJob, relpath: str) -> bytes:
    """The bytes of a still or GIF of ``job`` (a path relative to its folder), read as
    untrusted (bounded, a regular file inside the folder); :class:`ExportError` if not."""
    try:
        return read_recorded_file(job.job_dir, relpath, limit=MAX_GIF_BYTES)
    except UnsafeFileError as exc:
        raise ExportError(str(exc)) from None


@dataclass(frozen=True)
class HandoffFolder:
    """Where named copies for other programs are put (created when first needed)."""

    root: Path

    def place(self, data: bytes, name: str) -> Path:
        """Write ``data`` as ``name`` in a new folder of its own; returns the file's path."""
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        self.prune()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            while True:
                folder = self.root / f"{_PREFIX}{secrets.token_hex(6)}"
                try:
                    folder.mkdir()
                    break
                except FileExistsError:
                    continue
            path = folder / name
            write_atomic(path, data)
        except OSError as exc:
            raise ExportError(f"{self.root}: cannot write a copy ({exc.strerror or exc})") from None
        return path

    def prune(self, now: float | None = None) -> int:
        """Remove copies older than :data:`KEEP_SECONDS`; returns how many went."""
        now = time.time() if now is None else now
        removed = 0
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return 0
        for entry in entries:
            if not entry.name.startswith(_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > KEEP_SECONDS:
                    shutil.rmtree(entry.path)
                    removed += 1
        return removed


def hand_off(job: ExportJob, relpath: str, name: str, folder: HandoffFolder) -> tuple[Path, bytes]:
    """A named copy of the job's file ``relpath`` in ``folder``: its path and its bytes
    (blocking; a still or a GIF is small enough to copy while a drag starts)."""
    data = read_picture(job, relpath)
    return folder.place(data, name), data


@dataclass(frozen=True)
class SnippetGifResult:
    path: Path
    index: int
    start: float
    end: float
    bytes: int


async def export_snippet_gif(
    job: ExportJob,
    index: int,
    output: Path,
    *,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
) -> SnippetGifResult:
    """Save snippet ``index``'s GIF, as rendered for the job, at ``output`` (no source
    video is needed)."""
    if output.suffix.lower() != ".gif":
        raise UsageError(f"{output}: the name of a GIF must end with .gif")
    snippet = next((s for s in job.done_snippets() if s.index == index), None)
    if snippet is None or not snippet.gif:
        raise UsageError(f"{job.job_dir}: snippet {index + 1} has no GIF (is it rendered?)")
    relpath = str(snippet.gif)

    def copy(steps: Steps) -> SnippetGifResult:
        data = read_picture(job, relpath)
        with staged_file(output, force) as tmp:
            tmp.write_bytes(data)
        steps.done(1.0)
        return SnippetGifResult(output, index, snippet.start, snippet.end, len(data))

    return await in_thread(copy, on_progress)
