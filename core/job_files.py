"""Reading files of a job folder as untrusted data.

A job folder can come from anywhere (a colleague's share, a cloud download, an archive), so
what it holds is checked before it is read: the path stays inside the folder (also through
symbolic links), the file is a regular file (a FIFO would block, a device never end), and
no more than a cap is read.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path, PurePosixPath

from .errors import FrameFanError


class JobFileError(FrameFanError):
    """A file of a job folder is missing, unsafe or too large."""


def job_file_path(job_dir: Path, relpath: str) -> Path:
    """``relpath`` (``/``-separated, relative) inside ``job_dir``, refusing any path that
    leads outside it, also through a symbolic link."""
    parts = PurePosixPath(relpath.replace("\\", "/"))
    if parts.is_absolute() or ".." in parts.parts or not parts.parts or ":" in relpath:
        raise JobFileError(f"{job_dir / relpath}: not a path inside the job folder")
    folder = _inside(str(job_dir), parts.parts[:-1])
    path = folder / parts.parts[-1]
    if path.is_symlink():
        return _contained(job_dir, path)
    return path


@functools.lru_cache(maxsize=64)
def _inside(job_dir: str, folders: tuple[str, ...]) -> Path:
    """The resolved folder ``folders`` of ``job_dir`` (cached: a sheet reads thousands of
    stills from one folder), checked to lie inside it."""
    return _contained(Path(job_dir), Path(job_dir).joinpath(*folders))


def _contained(job_dir: Path, path: Path) -> Path:
    try:
        resolved = path.resolve(strict=True)
        root = job_dir.resolve(strict=True)
    except FileNotFoundError:
        raise JobFileError(f"{path}: missing from the job folder") from None
    except (OSError, RuntimeError) as exc:
        raise JobFileError(f"{path}: cannot be read ({exc})") from None
    if not resolved.is_relative_to(root):
        raise JobFileError(f"{path}: leads outside the job folder")
    return resolved


def read_job_file(job_dir: Path, relpath: str, max_bytes: int) -> bytes:
    """The content of ``relpath`` in ``job_dir``: a regular file inside the folder, at most
    ``max_bytes`` long. Raises :class:`JobFileError` with a one-line reason otherwise."""
    path = job_file_path(job_dir, relpath)
    # O_NOFOLLOW: a file swapped for a link after the check above is not followed.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise JobFileError(f"{path}: missing from the job folder") from None
    except OSError as exc:
        raise JobFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise JobFileError(f"{path}: not a regular file")
        if info.st_size > max_bytes:
            raise JobFileError(f"{path}: too large ({info.st_size} bytes, at most {max_bytes})")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise JobFileError(f"{path}: too large (more than {max_bytes} bytes)")
    return data
