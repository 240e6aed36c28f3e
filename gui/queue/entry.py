"""One job of the queue, as plain data (no Qt), and how it is saved between sessions.

Only what identifies a job and what the user decided is saved (input, job folder, backend,
status, order); progress comes back from the job's manifest, the source of truth.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.layout import MANIFEST_NAME
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, PENDING, RUNNING, Manifest

log = logging.getLogger(__name__)

QUEUED = "queued"
PAUSED = "paused"
# The phases of a running job that sends its video elsewhere first: upload, then snippets;
# or, sent as segments, both at once (streaming), then the last snippets.
UPLOAD = "upload"
STREAMING = "streaming"
SNIPPETS = "snippets"
FINISHED = frozenset({DONE, PARTIAL, FAILED, CANCELLED})
ACTIVE = frozenset({RUNNING, PAUSED})

QUEUE_VERSION = 1


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
    eta: float | None = None
    phase: str | None = None  # UPLOAD, STREAMING or SNIPPETS, for a job that uploads
    upload_sent: int = 0  # bytes
    upload_total: int = 0
    streamed: bool = False  # its video goes as segments, each rendered as it arrives
    elapsed: float = 0.0  # seconds of work in earlier runs
    run_started: float | None = None  # monotonic time the current stretch of work began

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

    def elapsed_now(self) -> float:
        if self.run_started is None:
            return self.elapsed
        return self.elapsed + time.monotonic() - self.run_started

    def stop_clock(self) -> None:
        self.elapsed = self.elapsed_now()
        self.run_started = None

    def update_from_manifest(self, manifest: Manifest) -> None:
        """Take what the manifest knows: media facts, snippet counts, and its status when
        the job is not running here (an interrupted run reads as cancelled)."""
        source = manifest.source
        self.duration, self.width, self.height = source.duration, source.width, source.height
        counts = manifest.counts()
        self.total, self.done, self.failed = len(manifest.snippets), counts[DONE], counts[FAILED]
        done_seconds = sum(s.end - s.start for s in manifest.snippets if s.status == DONE)
        self.fraction = done_seconds / source.duration if source.duration else 0.0
        if self.active or self.status == QUEUED:
            return
        status = manifest.status
        self.status = CANCELLED if status in (RUNNING, PENDING) else status
        self.error = manifest.error or first_snippet_error(manifest)

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
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueEntry:
        status = str(data.get("status", QUEUED))
        if status not in FINISHED:  # it was waiting or running when the app closed
            status = QUEUED
        job_dir = data.get("job_dir")
        return cls(
            input=data.get("input"),
            name=str(data["name"]),
            backend=str(data.get("backend", "local")),
            job_dir=Path(job_dir) if job_dir else None,
            status=status,
            error=data.get("error"),
            id=str(data.get("id") or uuid.uuid4().hex),
            elapsed=float(data.get("elapsed", 0.0)),
        )


def first_snippet_error(manifest: Manifest) -> str | None:
    failed = [s for s in manifest.snippets if s.status == FAILED and s.error]
    if not failed:
        return None
    more = f" (and {len(failed) - 1} more failed snippets)" if len(failed) > 1 else ""
    return f"{failed[0].error}{more}"


def queue_to_bytes(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"version": QUEUE_VERSION, "entries": entries}, indent=1).encode()


def save_queue(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write the queue (entries already turned into JSON data) atomically."""
    write_atomic(path, queue_to_bytes(entries))


def load_queue(path: Path) -> list[QueueEntry]:
    """The saved queue; an unreadable file is set aside (never silently overwritten)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != QUEUE_VERSION:
            raise ValueError(f"unknown queue version {data.get('version')!r}")
        return [QueueEntry.from_json(item) for item in data["entries"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        aside = path.with_name(path.name + ".unreadable")
        log.error("cannot read the saved queue %s (%s); kept as %s", path, exc, aside)
        with contextlib.suppress(OSError):
            path.replace(aside)
        return []
