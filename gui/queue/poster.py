"""The picture that stands for a video in its queue row: the still at about a tenth of the
video, or, when that one is black (a fade-in, a black leader), the first still that is not.
A job without stills uses its GIFs' first pictures the same way. Until the still at a tenth
is rendered, the overview picture nearest to it stands in (seconds after the job starts).

:func:`choose_poster` blocks (it reads the manifest and decodes a few tiny images): run it
in a worker thread. :class:`PosterKeeper` does, and keeps each entry's poster current while
its snippets finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImageReader

from core.errors import FrameFanError
from core.layout import frame_relpath
from core.manifest import DONE, Manifest
from core.plan import frame_indices

from .entry import QueueEntry

log = logging.getLogger(__name__)

POSTER_AT = 0.1  # of the duration
MAX_LOOKS = 40  # pictures decoded at most to find one that is not black
_PROBE = QSize(16, 16)
_DARK_MEAN = 22  # mean luma (0–255) below which a picture counts as black …
_DARK_PEAK = 48  # … when no part of it is brighter than this either


def candidates(manifest: Manifest, job_dir: Path) -> list[Path]:
    """Pictures to try, best first: the still at about a tenth of the video, else the
    overview picture nearest to it; then rendered ones from the start, then overview
    pictures (at most :data:`MAX_LOOKS` of each, spread out)."""
    duration = manifest.source.duration or 0.0
    if duration <= 0:
        return []
    target = duration * POSTER_AT
    done = [s for s in manifest.snippets if s.status == DONE]
    paths: list[Path] = []
    best = None
    if done and manifest.settings.frames:
        rendered = [n for s in done for n in frame_indices(s.start, s.end, manifest.settings)]
        interval = manifest.settings.frame_interval
        first = min(rendered, key=lambda n: (abs(n * interval - target), n)) if rendered else None
        paths = [job_dir / frame_relpath(n) for n in rendered]
        best = job_dir / frame_relpath(first) if first is not None else None
    elif done:
        paths = [job_dir / s.gif for s in done if s.gif]
        nearest = min(done, key=lambda s: (abs(s.start - target), s.index))
        best = job_dir / nearest.gif if nearest.gif else None
    overview = [job_dir / p.path for p in manifest.overview]
    if manifest.overview and (best is None or not _at_a_tenth(manifest, best)):
        nearest_overview = min(manifest.overview, key=lambda p: abs(p.t - target))
        best = job_dir / nearest_overview.path
    ordered = [best] if best is not None else []
    for group in (paths, overview):
        step = max(1, math.ceil(len(group) / MAX_LOOKS))
        ordered += [p for p in group[::step] if p not in ordered]
    return ordered


def darkness(path: Path) -> bool | None:
    """True for a black picture, False for one with something in it, None when it cannot
    be read."""
    reader = QImageReader(str(path))
    reader.setScaledSize(_PROBE)
    image = reader.read()
    if image.isNull():
        return None
    lumas = [
        QColor(image.pixel(x, y)).lightness()
        for x in range(image.width())
        for y in range(image.height())
    ]
    return sum(lumas) / len(lumas) < _DARK_MEAN and max(lumas) < _DARK_PEAK


@dataclass(frozen=True)
class Poster:
    path: Path | None
    final: bool  # the best there can be: later snippets will not change it


def choose_poster(job_dir: Path) -> Poster:
    """The poster of the job in ``job_dir`` (no path while nothing is rendered)."""
    try:
        manifest = Manifest.load(job_dir)
    except FrameFanError:
        return Poster(None, False)
    ordered = candidates(manifest, job_dir)
    done = all(s.status == DONE for s in manifest.snippets)
    fallback = None
    for path in ordered:
        dark = darkness(path)
        if dark is False:
            return Poster(path, done or (path == ordered[0] and _at_a_tenth(manifest, path)))
        if dark and fallback is None:
            fallback = path  # everything is black: black it is
    return Poster(fallback, done)


def _at_a_tenth(manifest: Manifest, path: Path) -> bool:
    """``path`` is the still at about a tenth of the video itself (not just the nearest one
    rendered so far)."""
    if not manifest.settings.frames or not manifest.source.duration:
        return False
    interval = manifest.settings.frame_interval
    n = round(manifest.source.duration * POSTER_AT / interval)
    return path.name == Path(frame_relpath(n)).name


class PosterKeeper:
    """Finds posters in the background, one search per entry at a time (a request made
    during a search runs it again once it ends), and no more once the best is found."""

    def __init__(
        self, io: Executor, changed: Callable[[QueueEntry], None], spawn: Callable
    ) -> None:
        self._io = io
        self._changed = changed
        self._spawn = spawn
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._final: set[str] = set()

    def forget(self, entry: QueueEntry) -> None:
        """The job starts (perhaps over, with other stills): look again as it goes."""
        self._final.discard(entry.id)

    def update(self, entry: QueueEntry) -> None:
        if entry.job_dir is None or entry.id in self._final:
            return
        if entry.id in self._running:
            self._again.add(entry.id)
            return
        self._running.add(entry.id)
        self._spawn(self._find(entry))

    async def _find(self, entry: QueueEntry) -> None:
        try:
            while True:
                self._again.discard(entry.id)
                job_dir = entry.job_dir
                if job_dir is None:
                    return
                poster = Poster(None, False)
                with contextlib.suppress(RuntimeError):  # the executor shut down: closing
                    loop = asyncio.get_running_loop()
                    poster = await loop.run_in_executor(self._io, choose_poster, job_dir)
                if poster.final:
                    self._final.add(entry.id)
                if poster.path != entry.poster:
                    entry.poster = poster.path
                    self._changed(entry)
                if entry.id not in self._again:
                    return
        finally:
            self._running.discard(entry.id)
