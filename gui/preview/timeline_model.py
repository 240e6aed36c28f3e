"""What the timeline of one job shows, as plain data: where its snippets and frames lie on
the video's time axis and which of them are rendered. Built from the manifest without
touching any image file, so even a 3-hour job opens at once."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from core.layout import frame_relpath, gif_relpath
from core.manifest import DONE, FAILED, Manifest
from core.plan import EPSILON, frame_indices, frame_time
from core.settings import Settings

HYBRID = "hybrid"  # a job rendered partly here and partly on AWS
LOCAL, CLOUD = "local", "lambda"


@dataclass
class TimelineModel:
    job_dir: Path
    name: str
    duration: float
    settings: Settings
    starts: list[float]  # start time of each snippet, by index
    status: list[str]  # status of each snippet, by index
    width: int
    height: int
    # Where each snippet was rendered (``local``, ``lambda``), in a job that used both.
    sides: list[str | None] | None = None

    @classmethod
    def from_manifest(cls, manifest: Manifest, job_dir: Path) -> TimelineModel | None:
        """None for a job with nothing to show (rejected input, nothing planned)."""
        source = manifest.source
        if not manifest.snippets or not source.duration:
            return None
        return cls(
            job_dir=job_dir,
            name=source.name,
            duration=source.duration,
            settings=manifest.settings,
            starts=[s.start for s in manifest.snippets],
            status=[s.status for s in manifest.snippets],
            width=source.width or 16,
            height=source.height or 9,
            sides=[s.backend for s in manifest.snippets] if manifest.backend == HYBRID else None,
        )

    # -- shape ----------------------------------------------------------------------------

    @property
    def snippet_count(self) -> int:
        return len(self.starts)

    @property
    def frame_count(self) -> int:
        return len(frame_indices(0.0, self.duration, self.settings))

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 16 / 9

    @property
    def last_time(self) -> float:
        """The latest position worth showing: the last still, or the start of the end."""
        count = self.frame_count
        return frame_time(count - 1, self.settings) if count else 0.0

    def snippet_end(self, index: int) -> float:
        return self.starts[index + 1] if index + 1 < len(self.starts) else self.duration

    def snippet_at(self, t: float) -> int:
        length = self.settings.snippet_seconds
        return max(0, min(len(self.starts) - 1, math.floor(t / length + EPSILON)))

    def frame_at(self, t: float) -> int | None:
        """The still shown at ``t``: the last one at or before it."""
        count = self.frame_count
        if not count:
            return None
        n = math.floor(max(0.0, t) / self.settings.frame_interval + EPSILON)
        return max(0, min(count - 1, n))

    def clamp(self, t: float) -> float:
        return max(0.0, min(self.last_time, t))

    # -- what is rendered -----------------------------------------------------------------

    def snippet_done(self, index: int) -> bool:
        return self.status[index] == DONE

    def frame_path(self, n: int) -> Path | None:
        """The still's file, if its snippet is rendered."""
        if not self.snippet_done(self.snippet_at(frame_time(n, self.settings))):
            return None
        return self.job_dir / frame_relpath(n)

    def gif_path(self, index: int) -> Path | None:
        return self.job_dir / gif_relpath(index) if self.snippet_done(index) else None

    def mark(self, index: int, status: str) -> None:
        if 0 <= index < len(self.status):
            self.status[index] = status

    def mark_side(self, index: int, side: str) -> None:
        if self.sides is None:
            self.sides = [None] * len(self.status)
        if 0 <= index < len(self.sides):
            self.sides[index] = side

    def side(self, index: int) -> str | None:
        return self.sides[index] if self.sides and self.snippet_done(index) else None

    def side_counts(self) -> tuple[int, int] | None:
        """Snippets rendered here and on AWS, in a job that used both; else None."""
        if not self.sides:
            return None
        done = [self.side(i) for i in range(len(self.status))]
        return done.count(LOCAL), done.count(CLOUD)

    def counts(self) -> tuple[int, int]:
        return self.status.count(DONE), self.status.count(FAILED)
