"""Per-snippet completion records, written last by the process function.

A record says how one run of one snippet ended: ``done`` (its GIF and stills are all in the
results bucket, since the record is written after them), ``failed`` (with a one-line error)
or ``cancelled`` (skipped because of a cancel marker). ``fingerprint`` is the source's ETag:
a record of another version of the source does not count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
RECORD_STATUSES = (DONE, FAILED, CANCELLED)
RECORD_VERSION = 1


class RecordError(ValueError):
    """A completion record that is not one of ours."""


@dataclass(frozen=True)
class SnippetResult:
    index: int
    status: str
    run: str
    fingerprint: str
    gif: str | None = None
    frames: tuple[int, ...] = field(default_factory=tuple)
    render_seconds: float | None = None  # ffmpeg's time
    total_seconds: float | None = None  # the whole invocation (download, render, upload)
    error: str | None = None
    version: int = RECORD_VERSION

    def to_json(self) -> bytes:
        data = asdict(self)
        data["frames"] = list(self.frames)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes | str) -> SnippetResult:
        try:
            data: Any = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RecordError(f"not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise RecordError("not a completion record of this version")
        try:
            record = cls(
                index=int(data["index"]),
                status=str(data["status"]),
                run=str(data["run"]),
                fingerprint=str(data["fingerprint"]),
                gif=None if data.get("gif") is None else str(data["gif"]),
                frames=tuple(int(n) for n in data.get("frames") or ()),
                render_seconds=_number(data.get("render_seconds")),
                total_seconds=_number(data.get("total_seconds")),
                error=None if data.get("error") is None else str(data["error"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordError(f"malformed completion record ({exc})") from None
        if record.status not in RECORD_STATUSES:
            raise RecordError(f"unknown status {record.status!r}")
        return record


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
