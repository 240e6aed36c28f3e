"""What a job folder remembers of its cloud job (``.cloud.json``), so a rerun resumes it.

Keys: ``cloud_job`` and ``stack`` (whose job this is), ``upload`` (how the video was sent:
``whole``, ``segments`` or ``s3``), ``etag`` (of the uploaded video or plan: the results'
fingerprint), ``run`` (the run followed), ``segments`` (snippets whose segment is in S3
for that plan), ``cancelled``, ``gave_up`` (a run given up for lack of news). It is a
hint: an unreadable file, or one of another cloud job, reads as empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..errors import FrameFanError
from ..safe_read import read_job_file

STATE_NAME = ".cloud.json"


@dataclass
class JobState:
    job_dir: Path
    cloud_job: str
    stack: str

    def read(self) -> dict[str, Any]:
        try:  # a file of the job folder: a regular one, of bounded size (core.safe_read)
            path = self.job_dir / STATE_NAME
            data = json.loads(read_job_file(path, within=self.job_dir, limit=1 << 20))
        except (OSError, ValueError, FrameFanError):
            return {}
        if not isinstance(data, dict) or data.get("cloud_job") != self.cloud_job:
            return {}
        return data

    def save(self, **changes: Any) -> None:
        state = {**self.read(), "cloud_job": self.cloud_job, **changes}
        state.setdefault("stack", self.stack)
        write_atomic(self.job_dir / STATE_NAME, json.dumps(state, indent=1).encode("utf-8"))

    def uploaded_segments(self, plan_etag: str) -> set[int]:
        state = self.read()
        if state.get("etag") != plan_etag or state.get("upload") != "segments":
            return set()
        found = state.get("segments")
        return {int(i) for i in found if isinstance(i, int)} if isinstance(found, list) else set()
