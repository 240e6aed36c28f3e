"""Keeps the queue across sessions: saved (atomically, off the GUI thread) whenever an
entry is added, removed, moved or changes state; restored at start, with progress read
back from each job's manifest. A job whose manifest cannot be read is restored as
unreadable, with the reason; it never keeps the others from being restored."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import Executor, Future
from pathlib import Path

from core.errors import FrameFanError
from core.manifest import Manifest

from .entry import QueueEntry, load_queue, save_queue
from .model import QueueModel

log = logging.getLogger(__name__)


class QueueKeeper:
    def __init__(self, model: QueueModel, path: Path, io: Executor) -> None:
        self._model = model
        self._path = path
        self._io = io
        model.structureChanged.connect(self.save)

    def restore(self) -> list[QueueEntry]:
        """Put the saved entries in the model (a small file: read at once)."""
        entries = load_queue(self._path)
        self._model.add(entries)
        return entries

    async def refresh(self, entries: list[QueueEntry]) -> None:
        """Update restored entries from their manifests, read in the I/O executor."""
        loop = asyncio.get_running_loop()
        for entry in entries:
            if entry.manifest_path is None:
                continue
            before = entry.status
            try:
                manifest = await loop.run_in_executor(self._io, read_manifest, entry.manifest_path)
            except FrameFanError as exc:
                entry.mark_unreadable(str(exc))
            except Exception as exc:  # a fault of ours must not stop the other entries
                log.exception("reading %s failed", entry.manifest_path)
                entry.mark_unreadable(
                    f"{entry.manifest_path}: cannot be read ({exc.__class__.__name__}; "
                    "details are in the log)"
                )
            else:
                if manifest is None:
                    continue
                entry.update_from_manifest(manifest)
            self._model.touch(entry.id, structural=entry.status != before)

    def save(self) -> Future[None]:
        snapshot = [entry.to_json() for entry in self._model]
        future = self._io.submit(save_queue, self._path, snapshot)
        future.add_done_callback(_log_failure)
        return future


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at ``path``; None when there is none (a job not started yet, a folder
    the user deleted); raises :class:`FrameFanError` when it cannot be read."""
    if not os.path.lexists(path):
        return None
    return Manifest.load(path)


def _log_failure(future: Future[None]) -> None:
    if future.exception() is not None:
        log.error("cannot save the queue: %s", future.exception())
