"""What the timeline of one job shows, as plain data: where its snippets and frames lie on
the video's time axis and which of them are rendered. Built from the manifest without
touching any image file, so even a 3-hour job opens at once.

Every view (the large still, the filmstrip, the hover thumbnail, the row's poster) asks
:meth:`TimelineModel.picture` for the picture of a still: the fine still once its snippet is
rendered, else the nearest of the job's approximate pictures (:attr:`TimelineModel.overview`,
marked ``approximate`` so views can badge it), else nothing ("not rendered yet").
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.layout import frame_relpath, gif_relpath
from core.manifest import DONE, FAILED, Manifest
from core.manifest_schema import MAX_DURATION
from core.overview import spacing
from core.plan import EPSILON, frame_indices, frame_time
from core.settings import Settings

HYBRID = "hybrid"  # a job rendered partly here and partly on AWS
LOCAL, CLOUD = "local", "lambda"


@dataclass(frozen=True)
class Picture:
    """The picture to show for a time: its file, and whether it only approximates the
    still of that time (a coarse picture taken near it)."""

    path: Path
    approximate: bool = False


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
    # Approximate pictures spread over the video, by time (ascending): shown where the
    # fine still is not rendered yet.
    overview: list[tuple[float, Path]] = field(default_factory=list)
    # Where each snippet was rendered (``local``, ``lambda``), in a job that used both.
    sides: list[str | None] | None = None
    _overview_reach: float = field(default=0.0, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.add_overview([])  # sorted, and how far a picture may stand in

    @classmethod
    def from_manifest(cls, manifest: Manifest, job_dir: Path) -> TimelineModel | None:
        """None for a job with nothing to show (rejected input, nothing planned)."""
        source = manifest.source
        # A loaded manifest's duration is checked (core.manifest_schema); this guards the
        # paint code against any other source all the same.
        if not manifest.snippets or not source.duration or not math.isfinite(source.duration):
            return None
        model = cls(
            job_dir=job_dir,
            name=source.name,
            duration=min(source.duration, MAX_DURATION),
            settings=manifest.settings,
            starts=[s.start for s in manifest.snippets],
            status=[s.status for s in manifest.snippets],
            width=source.width or 16,
            height=source.height or 9,
            sides=[s.backend for s in manifest.snippets] if manifest.backend == HYBRID else None,
        )
        model.add_overview((p.t, job_dir / p.path) for p in manifest.overview)
        return model

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
        """The latest position worth showing: the last still, or (a job without stills)
        the last picture of the last GIF."""
        count = self.frame_count
        if count:
            return frame_time(count - 1, self.settings)
        return max(0.0, self.duration - 1 / self.settings.gif_fps)

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

    def frame_time(self, n: int) -> float:
        return frame_time(n, self.settings)

    def clamp(self, t: float) -> float:
        return max(0.0, min(self.last_time, t))

    def boundary_before(self, t: float) -> float:
        """The last snippet start before ``t`` (the start of the video at most)."""
        index = bisect.bisect_left(self.starts, t - EPSILON) - 1
        return self.starts[index] if index >= 0 else 0.0

    def boundary_after(self, t: float) -> float:
        """The first snippet start after ``t``, or the end when ``t`` is in the last one."""
        index = bisect.bisect_right(self.starts, t + EPSILON)
        return self.starts[index] if index < len(self.starts) else self.last_time

    def gif_frame_at(self, t: float) -> int:
        """The picture of the current snippet's GIF that shows time ``t``."""
        start = self.starts[self.snippet_at(t)]
        return max(0, math.floor((t - start) * self.settings.gif_fps + EPSILON))

    # -- what is rendered -----------------------------------------------------------------

    def snippet_done(self, index: int) -> bool:
        return self.status[index] == DONE

    def frame_path(self, n: int) -> Path | None:
        """The fine still's file, if its snippet is rendered."""
        if not self.snippet_done(self.snippet_at(frame_time(n, self.settings))):
            return None
        return self.job_dir / frame_relpath(n)

    def picture(self, n: int) -> Picture | None:
        """The best picture there is of still ``n`` (see the module's docstring)."""
        path = self.frame_path(n)
        if path is not None:
            return Picture(path)
        return self.approximation(frame_time(n, self.settings))

    def picture_at(self, t: float) -> Picture | None:
        """The best picture there is of time ``t``: of the still shown then, or, for a job
        without stills, the overview picture near it."""
        n = self.frame_at(t)
        return self.picture(n) if n is not None else self.approximation(t)

    def approximation(self, t: float) -> Picture | None:
        """The overview picture nearest to ``t``, if there is one near enough: between two
        pictures, the nearer; past the first or the last one (the overview pass has not got
        there yet), one no further than the pictures are apart."""
        if not self.overview:
            return None
        index = bisect.bisect_left(self.overview, t, key=lambda item: item[0])
        near = [i for i in (index - 1, index) if 0 <= i < len(self.overview)]
        best = min(near, key=lambda i: abs(self.overview[i][0] - t))
        if len(near) == 1 and abs(self.overview[best][0] - t) > self._overview_reach:
            return None
        return Picture(self.overview[best][1], approximate=True)

    def add_overview(self, pictures: Iterable[tuple[float, Path]]) -> None:
        """Overview pictures (time, file) that now exist; one at a time already listed
        replaces it."""
        merged = dict(self.overview)
        merged.update(pictures)
        self.overview = sorted(merged.items())
        times = [t for t, _ in self.overview]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        self._overview_reach = max([spacing(self.duration), *gaps])

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
