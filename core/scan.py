"""Turning what a user picks or drops (files and whole folders) into a list of inputs.

Files named directly are kept whatever their name: if one is not a video, processing it
says so precisely. Inside folders only files with a video extension are taken; the others
are counted as skipped, so the user learns that something was left out and how much.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .input_safety import has_video_extension

# A folder holding more files than this is almost certainly not what the user meant to drop.
MAX_FILES = 10_000


@dataclass
class ScanResult:
    videos: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # non-video files found in folders
    missing: list[Path] = field(default_factory=list)  # named paths that do not exist
    truncated: bool = False  # stopped after MAX_FILES videos


def collect_inputs(
    paths: Iterable[str | os.PathLike[str]], *, limit: int = MAX_FILES
) -> ScanResult:
    """Expand ``paths`` into video files: named files as they are, folders recursively
    (hidden files and folders excluded, sorted by name), each file once."""
    result = ScanResult()
    seen: set[tuple[int, int] | str] = set()

    def add(path: Path) -> bool:
        key = input_identity(path)
        if key not in seen:
            seen.add(key)
            result.videos.append(path)
        if len(result.videos) >= limit:
            result.truncated = True
        return not result.truncated

    for raw in paths:
        path = Path(raw).expanduser().absolute()
        if path.is_dir():
            for found, is_video in _walk(path):
                if not is_video:
                    result.skipped.append(found)
                elif not add(found):
                    return result
        elif path.exists():
            if not add(path):
                return result
        else:
            result.missing.append(path)
    return result


def _walk(folder: Path) -> Iterable[tuple[Path, bool]]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name, has_video_extension(name)


def input_identity(path: str | os.PathLike[str]) -> tuple[int, int] | str:
    """What makes two paths the same input: the file itself (device and inode), so that a
    symlink, a hard link or a differently spelled path to one file are recognised as one."""
    try:
        stat = os.stat(path)
    except OSError:
        return os.path.normcase(os.path.realpath(path))
    if stat.st_ino == 0:  # file systems without inode numbers
        return os.path.normcase(os.path.realpath(path))
    return (stat.st_dev, stat.st_ino)
