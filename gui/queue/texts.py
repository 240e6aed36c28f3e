"""What a queue row says, as text: shared by the painted row, the row's accessible name and
description, and the status bar's summary of the queue."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from PySide6.QtCore import QLocale

from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, RUNNING
from core.timefmt import format_clock

from ..backends import backend
from .entry import BUSY, PAUSED, QUEUED, SNIPPETS, STREAMING, UNREADABLE, UPLOAD, QueueEntry

STATUS_TEXT = {
    QUEUED: "Waiting",
    RUNNING: "Running",
    PAUSED: "Paused",
    DONE: "Done",
    PARTIAL: "Partly done",
    FAILED: "Failed",
    CANCELLED: "Stopped",
    UNREADABLE: "Unreadable",
    BUSY: "In use",
}
STALE_TEXT = "Earlier settings"  # the job was made with settings other than the current ones


def facts(entry: QueueEntry) -> list[str]:
    """Duration, size, snippets and where the job runs."""
    items = []
    if entry.duration and math.isfinite(entry.duration):
        items.append(format_clock(entry.duration))
    if entry.width and entry.height:
        items.append(f"{entry.width}×{entry.height}")
    if entry.total:
        items.append(f"{entry.done}/{entry.total} snippets")
    items.append(backend(entry.backend).short_label)
    return items


def status_text(entry: QueueEntry) -> str:
    """The status chip's word: a running job that is uploading says so."""
    if entry.status == RUNNING and entry.phase in (UPLOAD, STREAMING):
        return "Uploading"
    return STATUS_TEXT.get(entry.status, entry.status)


def shown_fraction(entry: QueueEntry) -> float:
    """What the bar shows: the upload while uploading, else the share of the video done
    (0–1 whatever a damaged manifest said)."""
    fraction = entry.uploading if entry.uploading is not None else entry.fraction
    return min(1.0, max(0.0, fraction)) if math.isfinite(fraction) else 0.0


def percent_text(entry: QueueEntry) -> str:
    """The bar's percentage: 100 % only for a job that is done (99.6 % of a job stopped
    near its end is 99 %, not 100 %)."""
    if entry.status == DONE and entry.uploading is None:
        return "100%"
    return f"{min(99, math.floor(shown_fraction(entry) * 100 + 1e-9))}%"


def progress_text(entry: QueueEntry) -> str:
    """The line under the progress bar: time so far and left, and for a job that uploads
    first, which phase it is in."""
    if entry.phase == UPLOAD:
        total = _size(entry.upload_total)
        if entry.upload_total and entry.upload_sent >= entry.upload_total:
            return f"Uploaded {total} · starting in the cloud…"
        return f"Uploading the video · {_size(entry.upload_sent)} of {total}"
    if entry.phase == STREAMING:  # the bar shows the snippets rendered meanwhile
        return f"Uploading segments · {_size(entry.upload_sent)} of ~{_size(entry.upload_total)}"
    elapsed = entry.elapsed_now()
    if entry.status in (RUNNING, PAUSED):
        parts = [f"{format_clock(elapsed)} elapsed"]
        if entry.phase == SNIPPETS:
            parts.insert(0, "Rendering snippets")
        if entry.status == RUNNING:
            left = entry.eta_left()
            parts.append("estimating…" if left is None else f"{format_clock(left)} left")
        return " · ".join(parts)
    if entry.status == DONE and elapsed >= 1:
        return f"Took {format_clock(elapsed)}"
    if entry.status == QUEUED:
        return "Waiting to start"
    if entry.status == BUSY:
        return entry.error or ""
    if entry.status == CANCELLED and entry.total:
        return f"{entry.done} of {entry.total} snippets kept; Continue renders the rest"
    return ""


def error_text(entry: QueueEntry) -> str:
    """The entry's error without the file name or the job folder the row already shows
    (the tooltip has it whole)."""
    error = entry.error or ""
    prefixes = [f"{entry.name}: "]
    if entry.job_dir is not None:
        prefixes.append(f"{entry.job_dir}{os.sep}")
    for prefix in prefixes:
        if error.startswith(prefix):
            error = error[len(prefix) :]
    return error


def timeline_hint(entry: QueueEntry, can_retry: bool) -> str:
    """What the timeline says when the job has nothing to scrub: why, and what to do."""
    if entry.rejected:
        return (
            "Nothing to scrub: FrameFan cannot use this file. Remove it from the queue "
            "(Delete); if it was still being copied, add it again once it is complete."
        )
    if entry.status == UNREADABLE:
        return (
            "Nothing to scrub: the job's manifest cannot be read. Start over (Queue menu) "
            "to render it again, or remove the job (Delete)."
        )
    if entry.status == BUSY:
        return "Another FrameFan is processing this job; it starts here once that one is done."
    if entry.status == FAILED:
        if can_retry:
            return "Nothing was rendered. Fix what the message says, then Retry (Queue menu)."
        return "Nothing was rendered, and the video is gone: remove the job (Delete)."
    if entry.status in (QUEUED, RUNNING, PAUSED):
        return "The timeline fills in as snippets are rendered."
    return "Nothing to scrub yet."


def accessible_name(entry: QueueEntry) -> str:
    return f"{entry.name}, {status_text(entry).lower()}"


def accessible_description(entry: QueueEntry, stale: bool) -> str:
    """Everything the row shows, as sentences."""
    parts = [" · ".join(facts(entry))]
    if stale:
        parts.append("made with earlier settings")
    if entry.status not in (QUEUED,) and not entry.rejected:
        parts.append(f"{percent_text(entry)} done")
    for text in (entry.notice, error_text(entry), progress_text(entry)):
        if text:
            parts.append(text)
    return ". ".join(parts) + ". Actions: context menu key or right click."


def queue_summary(entries: Iterable[QueueEntry], held: bool) -> str:
    """The status bar's one-line account of the queue."""
    counts = Counter(entry.status for entry in entries)
    order = (RUNNING, PAUSED, QUEUED, BUSY, DONE, PARTIAL, FAILED, UNREADABLE, CANCELLED)
    parts = [f"{counts[s]} {STATUS_TEXT[s].lower()}" for s in order if counts[s]]
    if held:
        parts.insert(0, "Queue paused")
    return "  ·  ".join(parts) or "Queue empty"


def videos_left(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    """The jobs still to do: running, paused or waiting."""
    return [e for e in entries if e.active or (e.status in (QUEUED, BUSY) and e.input)]


def queue_progress(entries: Iterable[QueueEntry], batch: Collection[str]) -> float | None:
    """The share done of the queue's work since it last stood idle (the jobs of ``batch``
    and those left), each job weighed by its length; None when no job is under way."""
    entries = list(entries)
    left = videos_left(entries)
    if not any(e.active for e in left):
        return None
    counted = [e for e in entries if e.id in batch or e in left]
    lengths = [e.duration for e in counted if e.duration and math.isfinite(e.duration)]
    typical = sum(lengths) / len(lengths) if lengths else 1.0
    total = done = 0.0
    for entry in counted:
        known = entry.duration and math.isfinite(entry.duration)
        weight = entry.duration if known else typical
        total += weight
        done += weight * (1.0 if entry.finished else shown_fraction(entry))
    return done / total if total else None


def queue_eta(entries: Iterable[QueueEntry], rates: Mapping[str, float], held: bool) -> str:
    """How many videos are left and, once it can be said, about how long they take:
    "3 videos, about 4 min left" (running jobs: their own time left; waiting ones: their
    length at the speed the latest jobs of their backend measured)."""
    left = videos_left(entries)
    if not left:
        return ""
    videos = f"{len(left)} video{'s' if len(left) > 1 else ''}"
    if held and not any(e.status == RUNNING for e in left):
        return f"{videos} left"
    total = 0.0
    for entry in left:
        seconds = entry.eta_left() if entry.status == RUNNING else None
        if seconds is None and entry.status != RUNNING:
            rate = rates.get(entry.backend)
            duration = entry.duration if entry.duration and math.isfinite(entry.duration) else None
            if rate is not None and duration is not None:
                seconds = rate * duration * (1.0 - min(1.0, max(0.0, entry.fraction)))
        if seconds is None:
            return f"{videos}, estimating…"
        total += seconds
    return f"{videos}, about {rough_duration(total)} left"


def rough_duration(seconds: float) -> str:
    """A duration as people say it when it is an estimate: "40 s", "4 min", "1 h 20 min"."""
    if seconds < 100:
        return f"{max(5, 5 * round(seconds / 5))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _size(count: int) -> str:
    return QLocale().formattedDataSize(count, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)
