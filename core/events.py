"""Progress as plain data: what a running job reports to whoever displays it.

The runner calls one callback with these events, in order, on its event loop's thread. The
CLI draws them as progress bars; the GUI turns them into Qt signals. Nothing here knows who
listens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .manifest import FrameRecord, SourceInfo


@dataclass(frozen=True)
class JobEvent:
    job_id: str


@dataclass(frozen=True)
class JobStarted(JobEvent):
    """The input was accepted and its snippets planned (``done`` of them already complete
    from an earlier run)."""

    source: SourceInfo
    manifest_path: Path
    total: int
    done: int


@dataclass(frozen=True)
class UploadProgress(JobEvent):
    """Bytes of the input sent so far (cloud backends only)."""

    sent: int
    total: int


@dataclass(frozen=True)
class OverviewAdded(JobEvent):
    """Overview pictures (core.overview) now in the job folder, sorted by time; ``path``s
    are relative to it."""

    pictures: tuple[FrameRecord, ...]


@dataclass(frozen=True)
class UploadPlanned(JobEvent):
    """How the input goes to the cloud (cloud backends only): ``mode`` is ``whole``,
    ``segments`` (one per snippet, each rendered as it arrives) or ``none`` (already in
    S3); ``reason`` says why, for the user."""

    mode: str
    reason: str


@dataclass(frozen=True)
class SnippetStarted(JobEvent):
    index: int


@dataclass(frozen=True)
class SnippetFinished(JobEvent):
    index: int
    gif: str
    frames: tuple[FrameRecord, ...]
    seconds: float
    backend: str = ""  # where it was rendered, when a job uses both (``local``, ``lambda``)


@dataclass(frozen=True)
class SnippetFailed(JobEvent):
    index: int
    error: str


@dataclass(frozen=True)
class JobProgress(JobEvent):
    """Overall progress: ``fraction`` of the video rendered (0–1) and the estimated seconds
    left (None until there is enough to go on)."""

    fraction: float
    done: int
    failed: int
    total: int
    eta: float | None


@dataclass(frozen=True)
class JobFinished(JobEvent):
    status: str
    error: str | None
    manifest_path: Path


EventCallback = Callable[[JobEvent], None]
