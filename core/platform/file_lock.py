"""An exclusive lock on an open file that the kernel releases when its holders die.

POSIX: ``flock`` on the whole file. It belongs to the open file description, so children
that inherit the descriptor hold it too: it is released only when the last of them exits.
Windows: ``msvcrt.locking`` on one byte past the data (a locked range cannot be read by
others, and the file's first bytes hold the holder's pid for them to read).
"""

from __future__ import annotations

import os
import sys

_WINDOWS_LOCK_OFFSET = 4096


def try_lock(fd: int, platform: str = sys.platform) -> bool:
    """Take the lock on ``fd`` without waiting; False when another holder has it."""
    if platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def unlock(fd: int, platform: str = sys.platform) -> None:
    if platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def can_be_inherited(platform: str = sys.platform) -> bool:
    """Whether children given the descriptor keep the lock held (see the module doc)."""
    return platform != "win32"
