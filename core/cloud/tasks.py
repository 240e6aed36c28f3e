"""The EventBridge event that asks the process function for one snippet.

The snippets function sends one per snippet (``PutEvents``: ``Source``, ``DetailType`` and a
JSON ``Detail``); EventBridge delivers it to the process function wrapped in its envelope
(``version``, ``id``, ``detail-type``, ``source``, ``account``, ``time``, ``region``,
``resources``, ``detail``). The detail holds everything the render needs, so the process
function does not probe again; it is rebuilt and validated on arrival like any input.
The detail of a snippet is a pure function of the job and the run, so a redelivered S3 event
produces identical events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from ..errors import SettingsError
from ..input_safety import ALLOWED_DEMUXERS
from ..plan import Snippet
from ..probe import MediaInfo
from ..settings import Settings
from .keys import JOB_ID_RE, RUN_RE, UploadKey, parse_upload_key

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
                media=_media(detail["media"]),
                snippet=_snippet(detail["snippet"]),
            )
        except SettingsError as exc:
            raise TaskError(f"invalid settings: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise TaskError(f"malformed snippet request ({exc})") from None
        key: UploadKey = parse_upload_key(task.source_key)
        if not JOB_ID_RE.match(task.job_id) or key.kind != "source" or key.job_id != task.job_id:
            raise TaskError("the source key does not belong to the job")
        if not RUN_RE.match(task.run):
            raise TaskError("invalid run id")
        if task.media.demuxer not in ALLOWED_DEMUXERS:
            raise TaskError(f"container {task.media.demuxer!r} is not allowed")
        return task


def _media(data: Any) -> MediaInfo:
    if not isinstance(data, dict):
        raise TypeError("media is not an object")
    values = {}
    for f in fields(MediaInfo):
        if f.default is None and data.get(f.name) is None:  # optional, absent from older requests
            values[f.name] = None
            continue
        value = data[f.name]
        kind = {"int": int, "float": float, "str": str, "bool": bool}[str(f.type).split(" |")[0]]
        if kind is not str and isinstance(value, str):
            raise TypeError(f"media.{f.name} must be a {f.type}")
        values[f.name] = kind(value)
    return MediaInfo(**values)


def _snippet(data: Any) -> Snippet:
    index, start, end = int(data["index"]), float(data["start"]), float(data["end"])
    if index < 0 or not 0 <= start < end:
        raise ValueError("bad snippet bounds")
    return Snippet(index, start, end)
