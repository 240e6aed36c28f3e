"""Writing files so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from .platform.durability import sync_folder

# A new file, never an existing one or a link; its mode is 0o666 less the user's umask, as
# for any file the user's programs create (tempfile.mkstemp would make it 0o600).
_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, flushed to
    the disk, and a rename (which replaces a link at ``path``, never its target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    sync_folder(path.parent)


def _create_temp(path: Path) -> tuple[int, str]:
    for _ in range(100):
        name = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, _CREATE, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")
