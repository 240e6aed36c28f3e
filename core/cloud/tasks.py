"""The EventBridge event that asks the process function for one snippet.

The snippets function sends one per snippet (``PutEvents``: ``Source``, ``DetailType`` and a
JSON ``Detail``); EventBridge delivers it to the process function wrapped in its envelope
(``version``, ``id``, ``detail-type``, ``source``, ``account``, ``time``, ``region``,
``resources``, ``detail``). The detail holds everything the render needs, so the process
function does not probe again; it is rebuilt and validated on arrival like any input.
The detail of a snippet is a pure function of the job and the run, so a redelivered S3 event
produces identical events.

The source is the uploaded video (``uploads/<job>/<name>``), the snippet's segment
(``uploads/<job>/segments/NNNNN.mov``, with ``offset``: where the segment starts on the
video's timeline) or a video in one of the stack's source buckets (``source_bucket``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ..errors import SettingsError
from ..plan import Snippet
from ..probe import MediaInfo
from ..settings import Settings
from .jobplan import PlanError, media_from_dict, valid_key
from .keys import JOB_ID_RE, RUN_RE, SEGMENT, SOURCE, UploadKey, parse_upload_key

EVENT_SOURCE = "framefan.snippets"
DETAIL_TYPE = "FrameFan snippet requested"
TASK_VERSION = 1


class TaskError(ValueError):
    """An event that is not a valid snippet request."""


@dataclass(frozen=True)
class SnippetTask:
    job_id: str
    source_key: str
    fingerprint: str  # the source object's ETag
    run: str
    settings: Settings
    media: MediaInfo
    snippet: Snippet
    offset: float = 0.0  # where the source starts on the video's timeline (a segment)
    source_bucket: str = ""  # a source bucket; empty: the uploads bucket

    def detail(self) -> str:
        data = {
            "version": TASK_VERSION,
            "job_id": self.job_id,
            "source_key": self.source_key,
            "fingerprint": self.fingerprint,
            "run": self.run,
            "settings": self.settings.to_dict(),
            "media": self.media.to_dict(),
            "snippet": {
                "index": self.snippet.index,
                "start": self.snippet.start,
                "end": self.snippet.end,
            },
        }
        if self.offset:
            data["offset"] = self.offset
        if self.source_bucket:
            data["source_bucket"] = self.source_bucket
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def entry(self, bus_name: str) -> dict[str, str]:
        """A ``PutEvents`` entry."""
        return {
            "Source": EVENT_SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": self.detail(),
            "EventBusName": bus_name,
        }

    @classmethod
    def from_event(cls, event: Any) -> SnippetTask:
        """Rebuild the task from the event EventBridge delivers; :class:`TaskError` if it
        is not one."""
        if not isinstance(event, dict):
            raise TaskError("the event is not a JSON object")
        if event.get("source") != EVENT_SOURCE or event.get("detail-type") != DETAIL_TYPE:
            raise TaskError(
                f"unexpected event {event.get('source')!r} / {event.get('detail-type')!r}"
            )
        detail = event.get("detail")
        if not isinstance(detail, dict) or detail.get("version") != TASK_VERSION:
            raise TaskError("the event's detail is not a snippet request of this version")
        try:
            task = cls(
                job_id=str(detail["job_id"]),
                source_key=str(detail["source_key"]),
                fingerprint=str(detail["fingerprint"]),
                run=str(detail["run"]),
                settings=Settings.from_dict(detail["settings"]),
                media=media_from_dict(detail["media"]),
                snippet=_snippet(detail["snippet"]),
                offset=float(detail.get("offset") or 0.0),
                source_bucket=str(detail.get("source_bucket") or ""),
            )
        except SettingsError as exc:
            raise TaskError(f"invalid settings: {exc}") from None
        except PlanError as exc:
            raise TaskError(f"invalid media: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise TaskError(f"malformed snippet request ({exc})") from None
        if not JOB_ID_RE.match(task.job_id):
            raise TaskError("invalid job id")
        if task.source_bucket:
            if not valid_key(task.source_key):
                raise TaskError("invalid source key")
        else:
            key: UploadKey = parse_upload_key(task.source_key)
            if key.kind not in (SOURCE, SEGMENT) or key.job_id != task.job_id:
                raise TaskError("the source key does not belong to the job")
            if key.kind == SEGMENT and key.index != task.snippet.index:
                raise TaskError("the segment is not the snippet's")
        if not RUN_RE.match(task.run):
            raise TaskError("invalid run id")
        if not math.isfinite(task.offset) or not 0 <= task.offset <= task.snippet.start:
            raise TaskError("the segment does not start before its snippet")
        return task


def _snippet(data: Any) -> Snippet:
    index, start, end = int(data["index"]), float(data["start"]), float(data["end"])
    if index < 0 or not 0 <= start < end:
        raise ValueError("bad snippet bounds")
    return Snippet(index, start, end)
