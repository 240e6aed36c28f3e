"""Sending a video as segments: cut each snippet's segment and upload it, in order, so that
each snippet's render starts as soon as its segment is in S3, while the next ones go up.

Only snippets still to do are sent (``may_take`` is asked just before a segment is cut:
a snippet done meanwhile, by the cloud or on this machine, is skipped). Segments already
uploaded for the same plan (kept in the job folder's cloud state) are not sent again, so an
interrupted upload resumes at the first segment missing; a segment cut off half-way
resumes part by part like any upload. Blocking S3 calls run in threads; cancelling stops
the uploads between (or, with a rate limit, within) parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..input_safety import Source
from ..manifest import SnippetRecord
from ..probe import MediaInfo
from .aws import explain
from .keys import segment_key
from .metadata import segment_metadata
from .segments import SegmentError, cut_segment
from .throttle import RateLimit
from .upload import upload_file

log = logging.getLogger(__name__)

# Segments go up one after another, in order, so the first one has the whole uplink (and
# its snippet the earliest start); the next ones are cut meanwhile, and a big segment's
# parts go up side by side.
AHEAD = 2  # segments cut and waiting for their turn
THREADS = 4  # parts of one segment sent at once


@dataclass
class SegmentUpload:
    """One job's segments to send, and where."""

    source: Source
    info: MediaInfo
    snippets: list[SnippetRecord]  # the job's, in order; read live
    s3: Any
    bucket: str
    cloud_job: str
    plan_etag: str
    run: str
    extension: str
    work: Path  # scratch folder for the cut segments
    uploaded: set[int] = field(default_factory=set)  # already in S3 for this plan
    may_take: Callable[[int], bool] = lambda index: True
    on_uploaded: Callable[[int], None] = lambda index: None
    on_failed: Callable[[int, str], None] = lambda index, error: None
    on_progress: Callable[[int, int], None] = lambda sent, total: None
    limit: RateLimit | None = None
    ffmpeg: str | None = None
    profile: str | None = None
    ahead: int = AHEAD


class SegmentUploader:
    def __init__(self, job: SegmentUpload) -> None:
        self.job = job
        self.last_activity = time.monotonic()
        self.sent_bytes = 0
        self.sent_segments = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.in_flight: dict[int, threading.Event] = {}  # uploading now, with their stop
        self.dropped: set[int] = set()  # stopped because another renderer took them
        todo = [s for s in job.snippets if s.index not in job.uploaded]
        size = job.source.local_path.stat().st_size if job.source.local_path else 0
        seconds = sum(s.end - s.start for s in todo)
        # What is left to send, in bytes: the file's share (the segments' real size is
        # known only once cut; a segment starts at a keyframe, so a little more).
        self.total_bytes = round(size * seconds / job.info.duration) if job.info.duration else 0

    async def run(self) -> None:
        """Cut and upload every segment still wanted; raises what an upload raised."""
        job = self.job
        job.work.mkdir(parents=True, exist_ok=True)
        ready: asyncio.Queue[tuple[int, Path] | None] = asyncio.Queue(maxsize=max(1, job.ahead))
        cutter = asyncio.ensure_future(self._cut_all(ready))
        try:
            while (item := await ready.get()) is not None:
                index, path = item
                if job.may_take(index):  # asked again: it may have been taken meanwhile
                    await self._send(index, path)
                else:
                    path.unlink(missing_ok=True)
            await cutter
        except BaseException:
            self._stop.set()  # the parts under way stop; the uploads stay resumable
            for event in list(self.in_flight.values()):
                event.set()
            cutter.cancel()
            await asyncio.gather(cutter, return_exceptions=True)
            raise
        finally:
            shutil.rmtree(job.work, ignore_errors=True)

    async def _cut_all(self, ready: asyncio.Queue[tuple[int, Path] | None]) -> None:
        """Cut the wanted segments in order, a few ahead of the upload."""
        job = self.job
        for record in job.snippets:
            if record.index in job.uploaded or not job.may_take(record.index):
                continue
            try:
                path = await self._cut(record)
            except SegmentError as exc:
                job.on_failed(record.index, str(exc))
                continue
            await ready.put((record.index, path))
        await ready.put(None)

    def _touch(self, _count: int) -> None:
        self.last_activity = time.monotonic()

    def drop(self, index: int) -> None:
        """Stop uploading snippet ``index``'s segment (another renderer took it)."""
        stop = self.in_flight.get(index)
        if stop is not None:
            self.dropped.add(index)
            stop.set()

    async def _cut(self, record: SnippetRecord) -> Path:
        job = self.job
        target = job.work / f"{record.index:05d}{job.extension}"
        last = record.index == len(job.snippets) - 1
        return await cut_segment(
            job.source, job.info, record.snippet, target, last=last, ffmpeg=job.ffmpeg
        )

    async def _send(self, index: int, path: Path) -> None:
        job = self.job
        key = segment_key(job.cloud_job, index, job.extension)
        previous = 0
        stop = self.in_flight[index] = threading.Event()
        if self._stop.is_set():
            stop.set()

        def progress(sent: int, _total: int) -> None:
            nonlocal previous
            with self._lock:
                self.sent_bytes += sent - previous
                previous = sent
                self.last_activity = time.monotonic()
                now = self.sent_bytes
            job.on_progress(now, max(self.total_bytes, now))

        try:
            await asyncio.to_thread(
                upload_file,
                job.s3,
                job.bucket,
                key,
                path,
                segment_metadata(job.plan_etag, job.run),
                on_progress=progress,
                stop=stop,
                threads=THREADS,
                limit=job.limit,
                on_read=self._touch,
            )
        except Exception as exc:
            if self._stop.is_set():
                raise asyncio.CancelledError() from None
            if index in self.dropped:
                return  # rendered elsewhere: its upload was stopped on purpose
            raise explain(
                exc, f"uploading the segment of snippet {index + 1}", job.profile
            ) from None
        finally:
            self.in_flight.pop(index, None)
            with contextlib.suppress(OSError):
                path.unlink()
        self.sent_segments += 1
        self.last_activity = time.monotonic()
        job.uploaded.add(index)
        job.on_uploaded(index)
        log.debug("segment %d of %s uploaded", index, job.cloud_job)
