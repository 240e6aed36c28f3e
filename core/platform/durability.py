"""Making written files durable: their data, and the folder entries naming them."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


def sync_file(path: Path) -> None:
    """Flush ``path``'s data to the disk (Windows needs a handle open for writing)."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def sync_folder(path: Path, platform: str = sys.platform) -> None:
    """Flush ``path``'s entries (files renamed into it) to the disk. Windows has no way to
    open a folder for this: NTFS commits renames with its journal."""
    if platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder
            os.fsync(fd)
    finally:
        os.close(fd)
