"""The job an export reads: its manifest, its stills and GIFs, its marks, its source.

Every export starts from a job folder (or its ``manifest.json``), read as untrusted data
(:mod:`core.safe_read`). Times given by a user are read here too, in seconds, ``[H:]MM:SS``
or as ``HH:MM:SS:FF`` in the video's source timecode.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import InputRejectedError, ManifestError, UsageError
from ..input_safety import Source, as_source
from ..layout import MANIFEST_NAME
from ..manifest import DONE, FrameRecord, Manifest, SnippetRecord
from ..marks import MARKS_NAME, Mark, MarksError, load_marks
from ..probe import MediaInfo, probe
from ..safe_read import UnsafeFileError, read_recorded_file
from ..timecode import SourceClock, TimecodeError, TimecodeRate
from ..timefmt import format_elapsed

MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_STILL_BYTES = 64 * 1024 * 1024
MAX_GIF_BYTES = 256 * 1024 * 1024

_CLOCK_RE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")


@dataclass(frozen=True)
class ExportJob:
    """A job folder opened for export."""

    job_dir: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.manifest.source.name

    @property
    def duration(self) -> float:
        return float(self.manifest.source.duration or 0.0)

    @property
    def fps(self) -> float:
        return float(self.manifest.source.fps or 0.0)

    @cached_property
    def clock(self) -> SourceClock:
        """The video's timecode: its start timecode, or zero, at its frame rate."""
        return SourceClock.for_source(self.fps, self.manifest.source.timecode)

    @property
    def rate(self) -> TimecodeRate:
        return self.clock.rate

    @property
    def has_timecode(self) -> bool:
        return self.manifest.source.timecode is not None

    @cached_property
    def _frames(self) -> list[FrameRecord]:
        return sorted(self.manifest.frames, key=lambda f: f.t)

    @cached_property
    def _frame_times(self) -> list[float]:
        return [f.t for f in self._frames]

    def frames(self) -> list[FrameRecord]:
        """The stills that exist, by time."""
        return list(self._frames)

    def done_snippets(self) -> list[SnippetRecord]:
        return [s for s in self.manifest.snippets if s.status == DONE and s.gif]

    def still_at(self, seconds: float) -> FrameRecord:
        """The stored still on screen at ``seconds``: the last one at or before it."""
        if not self._frames:
            raise UsageError(f"{self.job_dir}: the job has no stills (was it rendered?)")
        index = bisect.bisect_right(self._frame_times, seconds + 1e-6) - 1
        return self._frames[max(0, index)]

    def read_still(self, frame: FrameRecord) -> bytes:
        return read_recorded_file(self.job_dir, frame.path, limit=MAX_STILL_BYTES)

    def marks(self) -> list[Mark]:
        """The job's marks; :class:`UsageError` for a damaged marks file or a mark past the
        end of the video (an export must not leave marks out silently)."""
        try:
            marks = load_marks(self.job_dir)
        except MarksError as exc:
            raise UsageError(str(exc)) from None
        for mark in marks:
            try:
                mark.check_within(self.duration)
            except MarksError as exc:
                raise UsageError(f"{self.job_dir / MARKS_NAME}: {exc}") from None
        return marks

    # -- times ----------------------------------------------------------------------------

    def parse_time(self, text: str, what: str = "time") -> float:
        """Seconds from the start of the video for ``text``: seconds (``12.5``), a clock
        (``1:02.5``, ``1:02:03``) or a label ``HH:MM:SS:FF`` in the source timecode."""
        value = text.strip()
        try:
            if value.count(":") + value.count(";") == 3:
                return self.clock.seconds(value)
            clock = _CLOCK_RE.match(value)
            if clock:
                hours, minutes, seconds = clock.groups()
                return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
            seconds = float(value)
        except (TimecodeError, ValueError):
            raise UsageError(
                f"{what} {text!r} is not a time (seconds, [H:]MM:SS or HH:MM:SS:FF)"
            ) from None
        if not math.isfinite(seconds):
            raise UsageError(f"{what} {text!r} is not a time")
        return seconds

    def check_time(self, seconds: float, what: str = "time") -> float:
        if not 0 <= seconds <= self.duration:
            raise UsageError(
                f"{what} {seconds:g} s is outside the video (0 to {self.duration:g} s)"
            )
        return seconds

    def check_range(self, start: float, end: float) -> tuple[float, float]:
        """``(start, end)`` if it is a non-empty range inside the video."""
        self.check_time(start, "--from")
        self.check_time(end, "--to")
        if end <= start:
            raise UsageError(f"--to ({end:g} s) must come after --from ({start:g} s)")
        return start, end

    def label(self, seconds: float) -> str:
        """A time as the user reads it: source timecode, or elapsed H:MM:SS.ff."""
        if self.has_timecode:
            return self.clock.label(seconds)
        return format_elapsed(seconds)

    def file_name(self, seconds: float, suffix: str, end: float | None = None) -> str:
        """A name for something exported at ``seconds`` (to ``end``): the video's name and
        the time, safe on every file system, e.g. ``interview_00-01-35.jpg`` or, with a
        timecode, ``interview_01-00-05-12.jpg``."""
        times = [seconds] if end is None else [seconds, end]
        labels = []
        for t in times:
            if self.has_timecode:
                labels.append(re.sub(r"[:;]", "-", self.clock.label(t)))
            else:
                whole = math.floor(t + 1e-6)
                labels.append(f"{whole // 3600:02d}-{whole // 60 % 60:02d}-{whole % 60:02d}")
        return f"{self.file_stem}_{'_'.join(labels)}{suffix}"

    @property
    def file_stem(self) -> str:
        """The video's name as the start of a file name safe on every file system."""
        stem = re.sub(r"[^\w.]+", "-", Path(self.name).stem).strip("-.")
        return stem[:80] or "video"

    # -- the source -----------------------------------------------------------------------

    async def open_source(
        self, override: Path | None = None, ffmpeg: str | None = None
    ) -> tuple[Source, MediaInfo]:
        """The job's source video, at the path the manifest records or at ``override``,
        checked to be the same video (its duration)."""
        recorded = self.manifest.source.path
        if override is None and not recorded:
            raise UsageError(
                f"{self.job_dir}: the job does not record where its source video is; "
                "give it with --source PATH"
            )
        path = override if override is not None else Path(str(recorded))
        if not path.is_file():
            where = "given with --source" if override is not None else "recorded in the job"
            hint = "" if override is not None else "; point at it with --source PATH"
            raise UsageError(f"{path}: the source video {where} is not there (moved?){hint}")
        source = as_source(path)
        try:
            info = await probe(source, ffmpeg=ffmpeg, scan=False)
        except InputRejectedError as exc:
            raise UsageError(f"the job's source video cannot be read: {exc}") from None
        tolerance = max(0.5, 2 / info.fps if info.fps > 0 else 0.5)
        if abs(info.duration - self.duration) > tolerance:
            raise UsageError(
                f"{path}: not the video of this job (it lasts {info.duration:g} s, "
                f"the job's video {self.duration:g} s)"
            )
        return source, info


def open_job(path: Path) -> ExportJob:
    """Open the job folder ``path`` (or the folder of the manifest ``path``)."""
    if path.name == MANIFEST_NAME and not path.is_dir():
        path = path.parent
    if not path.is_dir():
        raise UsageError(f"{path}: not a job folder (no such folder)")
    job_dir = path.absolute()
    try:
        data = read_recorded_file(job_dir, MANIFEST_NAME, limit=MAX_MANIFEST_BYTES)
    except UnsafeFileError as exc:
        raise UsageError(f"{job_dir}: not a job folder ({exc})") from None
    origin = str(job_dir / MANIFEST_NAME)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UsageError(f"{origin}: damaged manifest ({exc})") from None
    try:
        manifest = Manifest.from_dict(document, origin)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None
    duration = manifest.source.duration
    if duration is None or not (isinstance(duration, int | float) and duration > 0):
        raise UsageError(f"{origin}: the job has no video to export from ({manifest.status})")
    return ExportJob(job_dir, manifest)
