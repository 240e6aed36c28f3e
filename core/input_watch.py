"""Noticing a local input that changes while it is processed.

The input's size, modification time and file identity (device and inode) are taken before
it is probed and compared before each snippet starts, after each finishes and at the end:
a file replaced or rewritten half-way would otherwise give a job marked done with stills
from two different videos.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

CHANGED = "the input changed while it was processed; run the job again to start over"
GONE = "the input was moved or deleted while it was processed"


@dataclass(frozen=True)
class InputIdentity:
    size: int
    mtime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, path: Path) -> InputIdentity | None:
        """The identity of ``path`` now (None if it cannot be read)."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return cls(info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)

    @property
    def fingerprint(self) -> str:
        """The manifest's ``source.fingerprint`` (size and time: what survives a copy)."""
        return f"{self.size}-{self.mtime_ns}"


def change(path: Path | None, identity: InputIdentity | None) -> str | None:
    """Why ``path`` is no longer the input ``identity`` describes, or None."""
    if path is None or identity is None:
        return None
    if not os.path.exists(path):
        return GONE
    return None if InputIdentity.of(path) == identity else CHANGED
