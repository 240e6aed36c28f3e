"""Run records: which run of a job is under way, and how a run that could not start ended.

``results/<job>/run.json`` names the job's current run. The snippets function claims it
with a conditional write (S3 ``If-Match``/``If-None-Match``), so of several retries sent at
once only one starts a run; the others are ignored while that run is *live* and leave a
record of their own under ``results/<job>/runs/<run>.json`` saying which run they gave way
to. A run that could not start (a refused input, a limit, an expired upload, a source the
function could not reach) is recorded as failed with a ``kind`` that tells the desktop what
a rerun should do.

A run is live while it is neither failed nor cancelled, some snippet it sent has no
settling record, and it made progress (it started or a record of it was written) within
the stall window: beyond that, what is missing is lost, and a retry may start. A run fed
by segments (``streaming``) sends its snippets as their segments arrive: every snippet of
the job counts as sent, and each segment taken is progress.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .records import DONE, SnippetResult

STARTED, IGNORED, FAILED = "started", "ignored", "failed"
RUN_STATUSES = (STARTED, IGNORED, FAILED)
RUN_VERSION = 1

# Why a run failed to start, which says what a rerun does.
INPUT = "input"  # the video itself was refused: final
LIMIT = "limit"  # a per-job limit was exceeded: final until the settings or limits change
EXPIRED = "upload-expired"  # the uploaded video is gone: upload it again
UNREACHABLE = "unreachable"  # the video could not be read (network): retry
BROKEN = "infrastructure"  # the function kept failing: retry
RETRYABLE_KINDS = frozenset({UNREACHABLE, BROKEN})

# Seconds without progress after which a run is no longer live (RunStallSeconds).
DEFAULT_STALL = 1200.0


class RunRecordError(ValueError):
    """A run record that is not one of ours."""


@dataclass(frozen=True)
class RunRecord:
    run: str
    status: str
    fingerprint: str = ""
    started: float = 0.0  # epoch seconds, the writer's clock
    updated: float = 0.0
    snippets: int = 0
    sent: tuple[int, ...] | None = None  # snippets requested; None while planning
    error: str | None = None
    kind: str = ""
    live_run: str | None = None  # IGNORED: the run it gave way to
    streaming: bool = False  # snippets are sent as their segments arrive
    version: int = RUN_VERSION

    @property
    def retryable(self) -> bool:
        return self.status == FAILED and self.kind in RETRYABLE_KINDS

    def with_changes(self, **changes: Any) -> RunRecord:
        return replace(self, **changes)

    def to_json(self) -> bytes:
        data = asdict(self)
        data["sent"] = None if self.sent is None else list(self.sent)
        return json.dumps(data).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes | str) -> RunRecord:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RunRecordError(f"not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != RUN_VERSION:
            raise RunRecordError("not a run record of this version")
        try:
            sent = data.get("sent")
            record = cls(
                run=str(data["run"]),
                status=str(data["status"]),
                fingerprint=str(data.get("fingerprint") or ""),
                started=float(data.get("started") or 0.0),
                updated=float(data.get("updated") or 0.0),
                snippets=int(data.get("snippets") or 0),
                sent=None if sent is None else tuple(int(i) for i in sent),
                error=None if data.get("error") is None else str(data["error"]),
                kind=str(data.get("kind") or ""),
                live_run=None if data.get("live_run") is None else str(data["live_run"]),
                streaming=bool(data.get("streaming", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RunRecordError(f"malformed run record ({exc})") from None
        if record.status not in RUN_STATUSES:
            raise RunRecordError(f"unknown status {record.status!r}")
        return record


@dataclass(frozen=True)
class JobRecords:
    """A job's completion records with the time each was written (server clock)."""

    records: Mapping[int, SnippetResult] = field(default_factory=dict)
    written: Mapping[int, float] = field(default_factory=dict)


def settled(run: RunRecord, index: int, records: Mapping[int, SnippetResult]) -> bool:
    """Snippet ``index`` of ``run`` needs nothing more: it is done (by any run, for this
    source) or this run recorded how it ended."""
    record = records.get(index)
    if record is None:
        return False
    if record.status == DONE and record.fingerprint == run.fingerprint:
        return True
    return record.run == run.run


def unsettled(run: RunRecord, records: Mapping[int, SnippetResult]) -> list[int]:
    expected = range(run.snippets) if run.streaming else run.sent or ()
    return [i for i in expected if not settled(run, i, records)]


def is_live(
    run: RunRecord | None,
    job: JobRecords,
    now: float,
    stall: float = DEFAULT_STALL,
    *,
    cancelled: bool = False,
) -> bool:
    """Whether ``run`` may still produce records, so that a retry would only duplicate it."""
    if run is None or run.status != STARTED or cancelled:
        return False
    if run.sent is not None and not unsettled(run, job.records):
        return False
    progress = [run.updated, run.started]
    progress += [t for i, t in job.written.items() if job.records.get(i, _NONE).run == run.run]
    return now - max(progress) < stall


class _NoRecord:
    run = ""


_NONE: Any = _NoRecord()
