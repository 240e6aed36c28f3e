"""Writing a running job's manifest often enough to resume from, rarely enough to cost
little, and never before the outputs it lists are on the disk.

A manifest lists every still of the job, so it grows with the job; rewriting it after every
snippet made the writes grow with the square of the job's length (1.4 GB for a 10-hour job
with a still a second, 3.7 GB with 100,000 stills). Now state changes that matter (start,
end, a stop) are written at once, and the rest at most every :data:`INTERVAL` seconds, and
no more often than keeps the bytes written under :data:`BYTES_PER_SECOND` and the time
spent writing under :data:`MAX_SHARE` of the run. A larger manifest is so written less
often: the cost per snippet no longer grows with the job, and the total grows with the
job's length, not its square (bench/manifest_writes.py). What a hard kill can lose is the
record of the snippets finished since the last write (seconds of work; for the largest
jobs, a 5 MB manifest, a minute and a half), which a rerun renders again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .layout import MANIFEST_NAME, OUTPUT_DIRS
from .manifest import Manifest
from .platform.durability import sync_folder

log = logging.getLogger(__name__)

INTERVAL = 1.5  # seconds between two writes, at least
BYTES_PER_SECOND = 50_000  # of manifest written, on average, at most
MAX_SHARE = 0.05  # of the run's time spent writing the manifest, at most


@dataclass
class SavePolicy:
    """When the next deferred write is due: ``interval`` after the last one, or later if
    the last one was large or took long."""

    interval: float = INTERVAL
    bytes_per_second: float = BYTES_PER_SECOND
    max_share: float = MAX_SHARE
    next_due: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until a deferred write is due (0: now)."""
        return max(0.0, self.next_due - now)

    def written(self, now: float, took: float, size: int) -> None:
        pause = max(self.interval, size / self.bytes_per_second, took / self.max_share)
        self.next_due = now + pause


class ManifestWriter:
    def __init__(
        self,
        manifest: Manifest,
        job_dir: Path,
        on_error: Callable[[OSError], None],
        policy: SavePolicy | None = None,
    ) -> None:
        self.manifest = manifest
        self.job_dir = job_dir
        self.on_error = on_error
        self.policy = policy or SavePolicy()
        self.bytes_written = 0
        self.writes = 0
        self._pending: asyncio.TimerHandle | None = None

    @property
    def path(self) -> Path:
        return self.job_dir / MANIFEST_NAME

    def save(self) -> Path:
        """Write now (outputs first made durable); raises :class:`OSError`."""
        self._cancel()
        began = time.monotonic()
        for name in OUTPUT_DIRS:  # the renames that put the listed outputs in place
            folder = self.job_dir / name
            if folder.is_dir():
                sync_folder(folder)
        self.manifest.refresh_frames()
        path = self.manifest.save(self.job_dir)
        size = path.stat().st_size
        self.writes += 1
        self.bytes_written += size
        now = time.monotonic()
        self.policy.written(now, now - began, size)
        return path

    def save_soon(self) -> None:
        """Write when the policy allows (at once if it does now)."""
        if self._pending is not None:
            return
        wait = self.policy.wait(time.monotonic())
        if wait == 0:
            self._save_reporting()
        else:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(wait, self._save_reporting)

    def close(self) -> None:
        """Drop a deferred write (the caller writes the final state itself)."""
        self._cancel()

    def _save_reporting(self) -> None:
        self._pending = None
        try:
            self.save()
        except OSError as exc:
            self.on_error(exc)

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
