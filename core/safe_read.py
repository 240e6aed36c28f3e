"""Reading a file from a job folder, which is untrusted input like any video.

Job folders come from other machines, zips, shared drives and older versions. Whatever a
name in one turns out to be, reading it must not hang, read without bound or reach outside
the folder:

* only regular files are read: a FIFO would block the reader forever and a device
  (``/dev/zero``) never ends, so both are refused before and after opening;
* a symbolic link is followed only when it resolves inside the job folder;
* the file is opened with ``O_NONBLOCK`` (a FIFO swapped in after the check still cannot
  block the open) and ``O_NOFOLLOW``, then checked again on the open descriptor;
* at most ``limit`` bytes are read; a larger file is refused, not truncated.

The one race left is a folder swapped for a link between the check and the open, by
someone who can write in the job folder while it is read; what that can achieve is reading
one bounded regular file, which a reader of the job folder could do anyway.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path, PurePosixPath

from .errors import FrameFanError

# O_NOFOLLOW and O_NONBLOCK do not exist on Windows, which has neither FIFOs nor devices
# that a path in a job folder can name.
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class UnsafeFileError(FrameFanError):
    """A file of a job folder that must not be read (not a regular file, a link out of the
    folder, too large), or could not be read."""


def read_job_file(path: Path, *, within: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, which must lie in the folder ``within``.

    Raises :class:`UnsafeFileError` (message: the path and the reason) for anything else,
    and :class:`FileNotFoundError` when nothing is there.
    """
    target = _checked_target(path, within)
    try:
        fd = os.open(target, _FLAGS)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        _check_kind(path, info.st_mode)
        if info.st_size > limit:
            raise UnsafeFileError(
                f"{path}: too large ({_size(info.st_size)}, at most {_size(limit)})"
            )
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)  # a regular file: reads never wait on a writer
        chunks = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # it grew while being read
            raise UnsafeFileError(f"{path}: too large (more than {_size(limit)})")
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def job_path(job_dir: Path, relpath: str) -> Path:
    """The file a manifest or marks file names by ``relpath`` (relative, ``/``-separated)
    in ``job_dir``; :class:`UnsafeFileError` for an absolute path, ``..`` or a drive."""
    parts = PurePosixPath(relpath.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or ":" in relpath:
        raise UnsafeFileError(f"{job_dir / relpath}: not a path inside the job folder")
    return job_dir.joinpath(*parts)


def read_recorded_file(job_dir: Path, relpath: str, *, limit: int) -> bytes:
    """The bytes of the file ``relpath`` names in ``job_dir``, read as :func:`read_job_file`
    does; a missing file is an :class:`UnsafeFileError` too."""
    path = job_path(job_dir, relpath)
    try:
        return read_job_file(path, within=job_dir, limit=limit)
    except FileNotFoundError:
        raise UnsafeFileError(f"{path}: missing from the job folder") from None


def check_job_file(path: Path, *, within: Path, limit: int) -> int:
    """Check, without reading it, that ``path`` may be read as :func:`read_job_file` would;
    returns its size. Raises as :func:`read_job_file` does."""
    target = _checked_target(path, within)
    try:
        info = os.stat(target, follow_symlinks=False)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    _check_kind(path, info.st_mode)
    if info.st_size > limit:
        raise UnsafeFileError(f"{path}: too large ({_size(info.st_size)}, at most {_size(limit)})")
    return info.st_size


def is_regular_file(path: Path, *, within: Path) -> bool:
    """Whether ``path`` is a regular file inside ``within`` (links resolved inside only)."""
    with contextlib.suppress(OSError, UnsafeFileError):
        target = _checked_target(path, within)
        return stat.S_ISREG(os.stat(target, follow_symlinks=False).st_mode)
    return False


def _checked_target(path: Path, within: Path) -> str:
    """``path`` with its links resolved, refused when that leaves ``within``; the kind of
    file is checked before anything opens it (opening some devices has effects)."""
    root = os.path.realpath(within)
    target = os.path.realpath(path)
    if os.path.commonpath([root, target]) != root:
        raise UnsafeFileError(f"{path}: a link to a file outside the job folder ({target})")
    try:
        mode = os.stat(target, follow_symlinks=False).st_mode
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    _check_kind(path, mode)
    return target


def _check_kind(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a regular file"
    raise UnsafeFileError(f"{path}: {kind}, not a regular file")


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.0f} MB"
