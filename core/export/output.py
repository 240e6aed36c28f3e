"""Writing an export's output: under a temporary name beside it, renamed into place only
when complete, and never over an existing file unless asked to.

A folder output (sprites, web page) replaces an existing folder only when that folder is an
earlier export of the same kind (it holds the file named ``marker``): ``--force`` must not be
able to wipe a folder of something else.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import ExportError, UsageError


def check_output_file(path: Path, force: bool) -> None:
    """Raise :class:`UsageError` unless ``path`` can be written as a file."""
    if not path.parent.is_dir():
        raise UsageError(f"{path}: its folder does not exist")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder")
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError(f"{path}: exists (use --force to replace it)")


def _new(path: Path, pattern: str, *, folder: bool) -> Path:
    """A new file or folder beside ``path``, named after ``pattern``, with the permissions
    the user's umask gives (``tempfile``'s are private: they would stay so once renamed)."""
    while True:
        candidate = path.parent / pattern.format(secrets.token_hex(4))
        try:
            if folder:
                os.mkdir(candidate, 0o777)
            else:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate


@contextlib.contextmanager
def staged_file(path: Path, force: bool) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed to ``path`` when the block succeeds,
    removed when it fails or is cancelled."""
    check_output_file(path, force)
    tmp = _new(path, f".{path.stem}.{{}}.tmp{path.suffix}", folder=False)
    try:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise ExportError(f"{path}: nothing was written")
        check_output_file(path, force)  # it may have appeared meanwhile
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def check_output_dir(path: Path, force: bool, marker: str) -> None:
    if not path.parent.is_dir():
        raise UsageError(f"{path}: its parent folder does not exist")
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise UsageError(f"{path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()):
        if not (path / marker).is_file():
            raise UsageError(f"{path}: a folder with other content; choose an empty or new folder")
        if not force:
            raise UsageError(f"{path}: holds an earlier export (use --force to replace it)")


@contextlib.contextmanager
def staged_dir(path: Path, force: bool, marker: str) -> Iterator[Path]:
    """A temporary folder beside ``path`` that replaces it when the block succeeds."""
    check_output_dir(path, force, marker)
    tmp = _new(path, f".{path.name}.{{}}.tmp", folder=True)
    try:
        yield tmp
        check_output_dir(path, force, marker)
        if path.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / "previous")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
