"""Where FrameFan keeps its files on each system, as each system's conventions ask.

=========  ==========================================  =================================
system     settings and queue                          log
=========  ==========================================  =================================
Linux      ``~/.config/FrameFan``, ``~/.local/share/    ``~/.local/state/FrameFan/log``
           FrameFan`` (``$XDG_CONFIG_HOME``, …)
macOS      ``~/Library/Application Support/FrameFan``  ``~/Library/Logs/FrameFan``
Windows    ``%LOCALAPPDATA%\\FrameFan``                  ``%LOCALAPPDATA%\\FrameFan\\Logs``
=========  ==========================================  =================================

The cache (files that can be made again) is ``~/.cache/FrameFan``, ``~/Library/Caches/
FrameFan`` or ``%LOCALAPPDATA%\\FrameFan\\Cache``. On Windows everything lives under one
local (not roaming) folder: a queue names files on this machine, and the uninstaller has one
folder to keep or delete. platformdirs knows each system's rules; this module only chooses
its class explicitly, so that each system's answer can be checked on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from platformdirs.api import PlatformDirsABC
from platformdirs.macos import MacOS
from platformdirs.unix import Unix
from platformdirs.windows import Windows

from .system import LINUX, MACOS, WINDOWS, resolve

APP_NAME = "FrameFan"

_DIRS: dict[str, type[PlatformDirsABC]] = {LINUX: Unix, MACOS: MacOS, WINDOWS: Windows}


@dataclass(frozen=True)
class UserFolders:
    config: PurePath  # user settings and window state
    data: PurePath  # the persisted queue
    logs: PurePath
    cache: PurePath  # files that can be made again; never the user's work


def _dirs(platform: str | None) -> tuple[PlatformDirsABC, type[PurePath]]:
    system = resolve(platform)
    flavour = PureWindowsPath if system == WINDOWS else PurePosixPath
    return _DIRS[system](APP_NAME, appauthor=False), flavour


def user_folders(platform: str | None = None) -> UserFolders:
    """The current user's FrameFan folders on ``platform`` (default: this system)."""
    dirs, flavour = _dirs(platform)
    return UserFolders(
        config=flavour(dirs.user_config_dir),
        data=flavour(dirs.user_data_dir),
        logs=flavour(dirs.user_log_dir),
        cache=flavour(dirs.user_cache_dir),
    )


def videos_folder(platform: str | None = None) -> PurePath:
    """Where the output goes unless the user chose otherwise: ``FrameFan`` in the user's
    videos folder (``~/Videos``, ``~/Movies`` on macOS, the Windows Videos library)."""
    dirs, flavour = _dirs(platform)
    return flavour(dirs.user_videos_dir) / APP_NAME
