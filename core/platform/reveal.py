"""Showing a file or a folder in the system's file manager, as each system does it.

- macOS: Finder, ``open -R`` (reveal) or ``open`` (a folder);
- Windows: Explorer, ``explorer /select,"C:\\…"`` or ``explorer "C:\\…"``;
- Linux and other freedesktop.org desktops: the file manager's D-Bus interface,
  ``org.freedesktop.FileManager1`` (``ShowItems`` selects the item in its folder,
  ``ShowFolders`` opens a folder), which Nautilus, Dolphin, Nemo, Caja, Thunar and others
  implement; where none does, ``xdg-open`` opens the folder.

This module only decides what to run: :func:`reveal_steps` and :func:`open_folder_steps`
give the steps to try in order, the first that works wins. The desktop app carries them out
without blocking its window (gui.platform.file_manager).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from ..errors import FrameFanError
from .system import MACOS, WINDOWS, resolve

FILE_MANAGER_SERVICE = "org.freedesktop.FileManager1"
FILE_MANAGER_PATH = "/org/freedesktop/FileManager1"
FILE_MANAGER_INTERFACE = "org.freedesktop.FileManager1"
FINDER_OPEN = "/usr/bin/open"


class RevealError(FrameFanError):
    """A file or folder that cannot be shown in the file manager."""


@dataclass(frozen=True)
class FileManagerCall:
    """A call of the freedesktop file manager interface: ``method(uris, startup_id)``."""

    method: str  # ShowItems or ShowFolders
    uris: tuple[str, ...]
    service: str = FILE_MANAGER_SERVICE
    path: str = FILE_MANAGER_PATH
    interface: str = FILE_MANAGER_INTERFACE


@dataclass(frozen=True)
class Launch:
    """A program to start and leave running (a file manager may stay in the foreground).

    ``native_arguments`` is given on Windows, where a program parses its own command line:
    it is what follows the program's name there, as is. Explorer wants
    ``/select,"<path>"``, which no quoting of an argument list produces.
    """

    program: str
    arguments: tuple[str, ...] = ()
    native_arguments: str | None = None


Step = FileManagerCall | Launch


def reveal_steps(
    path: PurePath,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Step]:
    """How to show ``path`` (absolute) selected in its folder."""
    return _steps(path, reveal=True, platform=platform, environ=environ)


def open_folder_steps(
    folder: PurePath,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Step]:
    """How to open ``folder`` (absolute) in the file manager."""
    return _steps(folder, reveal=False, platform=platform, environ=environ)


def _steps(
    path: PurePath, *, reveal: bool, platform: str | None, environ: Mapping[str, str] | None
) -> list[Step]:
    system = resolve(platform)
    env = environ if environ is not None else {}
    if system == WINDOWS:
        return [_explorer(PureWindowsPath(path), reveal, env)]
    posix = PurePosixPath(path)
    if not posix.is_absolute():
        raise ValueError(f"not an absolute path: {path}")
    if system == MACOS:
        return [Launch(FINDER_OPEN, ("-R", str(posix)) if reveal else (str(posix),))]
    steps: list[Step] = [
        FileManagerCall("ShowItems" if reveal else "ShowFolders", (posix.as_uri(),))
    ]
    xdg_open = shutil.which("xdg-open", path=env.get("PATH", ""))
    if xdg_open is not None:
        # No file manager to select the item: open the folder that holds it.
        steps.append(Launch(xdg_open, (str(posix.parent if reveal else posix),)))
    return steps


def _explorer(path: PureWindowsPath, reveal: bool, env: Mapping[str, str]) -> Launch:
    if not path.is_absolute():
        raise ValueError(f"not an absolute path: {path}")
    if '"' in str(path):  # cannot be in a Windows name; it would end the quoted argument
        raise RevealError(f"Cannot show {path}: its name holds a double quote")
    # By its full path: a bare "explorer.exe" is looked for in the current folder first.
    names = {key.upper(): value for key, value in env.items()}  # Windows ignores the case
    windir = names.get("SYSTEMROOT") or names.get("WINDIR") or "C:\\Windows"
    explorer = str(PureWindowsPath(windir, "explorer.exe"))
    target = f'/select,"{path}"' if reveal else f'"{path}"'
    return Launch(explorer, native_arguments=target)
