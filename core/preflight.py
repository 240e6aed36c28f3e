"""Checks worth making before work starts, each failure a message saying what to do.

A job that cannot succeed (no ffmpeg, an output folder that cannot be written, a disk that
is full) should stop the queue with one clear message, not fail every input in turn.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from .errors import FfmpegNotFoundError
from .ffmpeg_locator import find_ffmpeg
from .layout import MAX_INSIDE_JOB, MAX_JOB_NAME
from .platform.filenames import MAX_PATH
from .platform.system import WINDOWS, resolve

FFMPEG = "ffmpeg"
OUTPUT_FOLDER = "output-folder"
DISK_SPACE = "disk-space"

# Below this much free space a job is not started: a 3-hour video's stills and GIFs take a
# few hundred megabytes.
MIN_FREE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """Something that stops all work, and what the user can do about it."""

    kind: str  # FFMPEG, OUTPUT_FOLDER or DISK_SPACE
    message: str


def check_ffmpeg(explicit: str | os.PathLike[str] | None = None) -> Problem | None:
    try:
        find_ffmpeg(explicit)
    except FfmpegNotFoundError as exc:
        return Problem(FFMPEG, str(exc))
    return None


def check_output_folder(folder: Path) -> Problem | None:
    """Create ``folder`` if needed and prove a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".framefan-check-"):
            pass
    except OSError as exc:
        return Problem(OUTPUT_FOLDER, _write_problem(folder, exc))
    return None


def check_path_length(folder: PurePath, platform: str | None = None) -> Problem | None:
    """On Windows, an output folder deep enough that the files of a job inside it would pass
    the 259 characters programs such as ffmpeg can open."""
    if resolve(platform) != WINDOWS:
        return None
    longest = MAX_PATH - MAX_JOB_NAME - MAX_INSIDE_JOB - 2  # two separators
    length = len(str(folder if folder.is_absolute() else Path.cwd() / folder))
    if length <= longest:
        return None
    return Problem(
        OUTPUT_FOLDER,
        f"the output folder's path is too long for Windows ({length} characters; at most "
        f"{longest} leave room for the job folders inside it): choose a shorter one",
    )


def check_free_space(folder: Path, min_free: int = MIN_FREE_BYTES) -> Problem | None:
    try:
        free = shutil.disk_usage(_existing_parent(folder)).free
    except OSError:
        return None  # the write check reports an unusable folder
    if free >= min_free:
        return None
    return Problem(
        DISK_SPACE,
        f"the disk of {folder} is almost full ({_size(free)} free, at least {_size(min_free)} "
        "needed): free some space or choose an output folder on another disk",
    )


def preflight(
    folder: Path,
    *,
    ffmpeg: str | os.PathLike[str] | None = None,
    min_free: int = MIN_FREE_BYTES,
) -> list[Problem]:
    """Every problem that would stop work writing into ``folder``, most basic first."""
    problems = [check_ffmpeg(ffmpeg), check_path_length(folder) or check_output_folder(folder)]
    if problems[1] is None:
        problems.append(check_free_space(folder, min_free))
    return [p for p in problems if p is not None]


def _write_problem(folder: Path, exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    elif exc.errno == errno.EROFS:
        reason = "the disk is read-only"
    elif exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        reason = "a file of that name is in the way"
    else:
        reason = exc.strerror or str(exc)
    return f"cannot write in {folder}: {reason}; choose another output folder"


def _existing_parent(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
