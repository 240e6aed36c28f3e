"""Keeps the queue across sessions: saved (atomically, off the GUI thread) whenever an
entry is added, removed, moved or changes state; restored at start, with progress read
back from each job's manifest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
            with contextlib.suppress(FrameFanError):
                manifest = await loop.run_in_executor(self._io, Manifest.load, entry.manifest_path)
                entry.update_from_manifest(manifest)
                self._model.touch(entry.id)

    def save(self) -> Future[None]:
        snapshot = [entry.to_json() for entry in self._model]
        future = self._io.submit(save_queue, self._path, snapshot)
        future.add_done_callback(_log_failure)
        return future


def _log_failure(future: Future[None]) -> None:
    if future.exception() is not None:
        log.error("cannot save the queue: %s", future.exception())
