"""Turning dropped or chosen paths into new queue entries: scan folders, drop duplicates,
and say in one line what happened (no dialog per file)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.scan import ScanResult, collect_inputs, input_identity

from .queue.entry import QueueEntry


@dataclass
class Intake:
    new: list[Path] = field(default_factory=list)
    duplicates: list[Path] = field(default_factory=list)
    scan: ScanResult = field(default_factory=ScanResult)

    def summary(self) -> str:
        parts = []
        if self.new:
            parts.append(f"Added {_count(len(self.new), 'video')}")
        if self.duplicates:
            names = ", ".join(p.name for p in self.duplicates[:2])
            more = "…" if len(self.duplicates) > 2 else ""
            parts.append(f"already in the queue: {names}{more}")
        if self.scan.skipped:
            n = len(self.scan.skipped)
            what = "file that is not a video" if n == 1 else "files that are not videos"
            parts.append(f"skipped {n} {what}")
        if self.scan.missing:
            parts.append(f"not found: {', '.join(p.name for p in self.scan.missing[:2])}")
        if self.scan.truncated:
            parts.append("stopped at the first 10,000 videos")
        text = "; ".join(parts) or "Nothing to add"
        return text[0].upper() + text[1:]


def take_in(paths: Iterable[Path], queued_inputs: Iterable[str]) -> Intake:
    """Scan ``paths`` (blocking: file system access) and leave out inputs already queued."""
    scan = collect_inputs(paths)
    known = {input_identity(p) for p in queued_inputs}
    intake = Intake(scan=scan)
    for path in scan.videos:
        (intake.duplicates if input_identity(path) in known else intake.new).append(path)
    return intake


def new_entry(path: Path, backend: str) -> QueueEntry:
    return QueueEntry(input=str(path), name=path.name, backend=backend)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
