"""Disk space: what a job will need, and what to say when there is not enough.

The estimate follows the outputs' sizes (stills at their size and JPEG quality, GIFs at
their size and rate) with some margin; it is checked before any snippet starts. When the
disk fills up anyway (another program writing, an estimate too low), the job stops with the
same message, and the space kept aside at the start (:class:`Reserve`) lets it record its
true state in its manifest.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .plan import frame_indices
from .probe import MediaInfo
from .render import output_size
from .settings import Settings

_MB = 1024 * 1024
_OUT_OF_SPACE = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_OUT_OF_SPACE_TEXT = ("No space left on device", "Disk quota exceeded")
# Bytes of a still per pixel at JPEG quality q: 0.07 at 50, 0.19 at 85, 0.29 at 100 (noisy
# 720p footage measured 0.04, 0.06 and 0.11: the margin is for real cameras' detail).
_JPEG_BASE, _JPEG_SPAN = 0.04, 0.25
_GIF_BYTES_PER_PIXEL = 0.5  # per GIF frame (noisy footage measured 0.39)
# A manifest's bytes per snippet and per still, and the folder's own files.
_MANIFEST_PER_SNIPPET, _MANIFEST_PER_STILL, _MANIFEST_BASE = 170, 50, 64 * 1024


def outputs_bytes(info: MediaInfo, settings: Settings, spans: Iterable[tuple[float, float]]) -> int:
    """Bytes of the GIFs and stills of the snippets spanning ``spans`` (start, end)."""
    gif_w, gif_h = output_size(info, settings.gif_width)
    still_w, still_h = output_size(info, settings.frame_width)
    quality = settings.jpeg_quality / 100
    per_still = still_w * still_h * (_JPEG_BASE + _JPEG_SPAN * quality**3)
    total = 0.0
    for start, end in spans:
        total += gif_w * gif_h * _GIF_BYTES_PER_PIXEL * max(1.0, (end - start) * settings.gif_fps)
        total += per_still * len(frame_indices(start, end, settings))
    return round(total)


def manifest_bytes(snippets: int, stills: int) -> int:
    """About the size of a job's manifest, at most."""
    return _MANIFEST_BASE + snippets * _MANIFEST_PER_SNIPPET + stills * _MANIFEST_PER_STILL


def free_bytes(folder: Path) -> int | None:
    with contextlib.suppress(OSError):
        return shutil.disk_usage(folder).free
    return None


def not_enough(folder: Path, free: int | None, needed: int) -> str:
    have = "no space" if not free else f"{_megabytes(free)} free"
    return f"not enough space in {folder}: {have}, about {_megabytes(needed)} needed"


def is_out_of_space(problem: BaseException | str) -> bool:
    """Whether an error (ours, or a line of ffmpeg's log) says the disk is full."""
    if isinstance(problem, OSError):
        return problem.errno in _OUT_OF_SPACE
    return any(text in str(problem) for text in _OUT_OF_SPACE_TEXT)


def _megabytes(count: int) -> str:
    return f"{max(1, round(count / _MB)):,} MB"


class Reserve:
    """Space set aside in a file, given back when the disk is full so that the job can
    still write its manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def take(self, size: int) -> bool:
        """Set ``size`` bytes aside; False (nothing set aside) when there is not room."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError:
            return False
        try:
            try:
                os.posix_fallocate(fd, 0, size)  # type: ignore[attr-defined]
            except (AttributeError, OSError) as exc:  # not on this system or file system
                if isinstance(exc, OSError) and is_out_of_space(exc):
                    raise
                os.write(fd, bytes(size))
            return True
        except OSError:
            self.give_back()
            return False
        finally:
            os.close(fd)

    def give_back(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)
