"""One job of the queue, as plain data (no Qt), and how it is saved between sessions.

Only what identifies a job and what the user decided is saved (input, job folder, backend,
status, order, a re-render asked for); progress and the job's settings come back from the
job's manifest, the source of truth.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.errors import FrameFanError
from core.layout import MANIFEST_NAME
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, PENDING, RUNNING, Manifest
from core.progress import EtaClock
from core.safe_read import read_job_file
from core.settings import Settings

log = logging.getLogger(__name__)

QUEUED = "queued"
PAUSED = "paused"
# A job whose manifest cannot be read (damaged, hostile, from a newer version): shown with
# the reason; it can be removed, or started over.
UNREADABLE = "unreadable"
# A job whose folder another FrameFan (a window, the command line) is processing: it
# starts once that one is done.
BUSY = "busy"
# The phases of a running job that sends its video elsewhere first: upload, then snippets;
# or, sent as segments, both at once (streaming), then the last snippets.
UPLOAD = "upload"
STREAMING = "streaming"
SNIPPETS = "snippets"
FINISHED = frozenset({DONE, PARTIAL, FAILED, CANCELLED, UNREADABLE})
ACTIVE = frozenset({RUNNING, PAUSED})

QUEUE_VERSION = 1
_MAX_QUEUE_BYTES = 64 * 1024 * 1024


@dataclass
class QueueEntry:
    input: str | None  # the source video; None for a job opened from its manifest alone
    name: str
    backend: str
    job_dir: Path | None = None  # chosen when the job first starts
    status: str = QUEUED
    error: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Known once the input has been probed:
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    # Progress (not saved: read back from the manifest):
    fraction: float = 0.0
    done: int = 0
    failed: int = 0
    total: int = 0
    eta: float | None = None  # the last estimate of the seconds left (see eta_left)
    eta_clock: EtaClock = field(default_factory=EtaClock, repr=False, compare=False)
    phase: str | None = None  # UPLOAD, STREAMING or SNIPPETS, for a job that uploads
    upload_sent: int = 0  # bytes
    upload_total: int = 0
    streamed: bool = False  # its video goes as segments, each rendered as it arrives
    elapsed: float = 0.0  # seconds of work in earlier runs
    run_started: float | None = None  # monotonic time the current stretch of work began
    # The processing settings of the job's work so far (None: no work yet, it will take
    # the current ones).
    settings: Settings | None = None
    # The next run starts over with the current settings instead of resuming (saved).
    rerender: bool = False
    poster: Path | None = None  # the picture that stands for the video in its row
    notice: str | None = None  # a passing remark on the row (e.g. why it cannot pause)

    @property
    def manifest_path(self) -> Path | None:
        return self.job_dir / MANIFEST_NAME if self.job_dir else None

    @property
    def uploading(self) -> float | None:
        """The fraction of the video uploaded, while it is uploading."""
        if self.phase != UPLOAD:
            return None
        return self.upload_sent / self.upload_total if self.upload_total else 0.0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def rejected(self) -> bool:
        """The input was refused before any work (not a video, damaged, …): the job has
        no folder, and only a different file could do better."""
        return self.status == FAILED and self.job_dir is None and self.input is not None

    def set_eta(self, eta: float | None) -> None:
        """A new estimate of the seconds left (None: none, or not running)."""
        self.eta = eta
        self.eta_clock.set(eta)

    def eta_left(self) -> float | None:
        """The seconds left as shown: counting down between estimates, eased."""
        return self.eta_clock.left()

    def elapsed_now(self) -> float:
        if self.run_started is None:
            return self.elapsed
        return self.elapsed + time.monotonic() - self.run_started

    def stop_clock(self) -> None:
        self.elapsed = self.elapsed_now()
        self.run_started = None

    def take_progress(self, manifest: Manifest) -> None:
        """Take the work the manifest records: media facts, snippet counts, the share of
        the video done (finished snippets only: work under way when a job stops is lost),
        and the settings the job was made with."""
        source = manifest.source
        self.duration, self.width, self.height = source.duration, source.width, source.height
        counts = manifest.counts()
        self.total, self.done, self.failed = len(manifest.snippets), counts[DONE], counts[FAILED]
        if manifest.snippets:
            self.settings = manifest.settings
        done_seconds = sum(s.end - s.start for s in manifest.snippets if s.status == DONE)
        self.fraction = done_seconds / source.duration if source.duration else 0.0

    def update_from_manifest(self, manifest: Manifest) -> None:
        """Take what the manifest knows (:meth:`take_progress`), and its status when the
        job is not running here (an interrupted run reads as cancelled)."""
        self.take_progress(manifest)
        if self.active or self.status in (QUEUED, BUSY):
            return
        status = manifest.status
        self.status = CANCELLED if status in (RUNNING, PENDING) else status
        self.error = manifest.problem()

    def mark_unreadable(self, reason: str) -> None:
        self.status, self.error = UNREADABLE, reason
        self.fraction = 0.0
        self.set_eta(None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "input": self.input,
            "name": self.name,
            "backend": self.backend,
            "job_dir": str(self.job_dir) if self.job_dir else None,
            "status": self.status,
            "error": self.error,
            "elapsed": round(self.elapsed_now(), 1),
            "rerender": self.rerender,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueEntry:
        """An entry from the saved queue; raises :class:`ValueError` for one that is not."""
        if not isinstance(data, dict):
            raise ValueError("an entry is not an object")
        status = _text(data, "status", QUEUED)
        if status not in FINISHED:  # it was waiting or running when the app closed
            status = QUEUED
        job_dir = _text(data, "job_dir", None)
        elapsed = data.get("elapsed", 0.0)
        if isinstance(elapsed, bool) or not isinstance(elapsed, int | float):
            raise ValueError("elapsed is not a number")
        return cls(
            input=_text(data, "input", None),
            name=_text(data, "name"),
            backend=_text(data, "backend", "local"),
            job_dir=Path(job_dir) if job_dir else None,
            status=status,
            error=_text(data, "error", None),
            id=_text(data, "id", None) or uuid.uuid4().hex,
            elapsed=min(max(0.0, float(elapsed)), 1e9) if math.isfinite(elapsed) else 0.0,
            rerender=data.get("rerender") is True,
        )


_MISSING = object()


def _text(data: dict[str, Any], key: str, default: Any = _MISSING) -> Any:
    value = data.get(key, default)
    if value is _MISSING:
        raise ValueError(f"{key} is missing")
    if value is not None and not (isinstance(value, str) and len(value) <= 4096):
        raise ValueError(f"{key} is not a string")
    return value


def queue_to_bytes(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"version": QUEUE_VERSION, "entries": entries}, indent=1).encode()


def save_queue(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write the queue (entries already turned into JSON data) atomically."""
    write_atomic(path, queue_to_bytes(entries))


def load_queue(path: Path) -> list[QueueEntry]:
    """The saved queue; an unreadable file is set aside (never silently overwritten). An
    entry that cannot be read is left out, and the others restored."""
    try:
        data = json.loads(read_job_file(path, within=path.parent, limit=_MAX_QUEUE_BYTES))
        if data.get("version") != QUEUE_VERSION:
            raise ValueError(f"unknown queue version {data.get('version')!r}")
        items = data["entries"]
        if not isinstance(items, list):
            raise ValueError("its entries are not a list")
    except FileNotFoundError:
        return []
    except (OSError, FrameFanError, ValueError, KeyError, TypeError, AttributeError) as exc:
        aside = path.with_name(path.name + ".unreadable")
        log.error("cannot read the saved queue %s (%s); kept as %s", path, exc, aside)
        with contextlib.suppress(OSError):
            path.replace(aside)
        return []
    entries = []
    for number, item in enumerate(items, 1):
        try:
            entries.append(QueueEntry.from_json(item))
        except ValueError as exc:
            log.error("left out entry %d of the saved queue %s: %s", number, path, exc)
    return entries
