"""Which operating system FrameFan runs on, named once.

Every per-system function in this package takes a ``platform`` argument (one of
:data:`SYSTEMS`, default: the one running), so that each system's branch can be exercised on
any machine without touching ``sys.platform``.
"""

from __future__ import annotations

import sys

LINUX = "linux"
MACOS = "macos"
WINDOWS = "windows"
SYSTEMS = (LINUX, MACOS, WINDOWS)


def current() -> str:
    """The running system; other Unix-likes (the BSDs) follow the freedesktop.org
    conventions of Linux desktops."""
    if sys.platform == "win32":
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return LINUX


def resolve(platform: str | None) -> str:
    """``platform``, or the running system when None; an unknown name is a programming error."""
    if platform is None:
        return current()
    if platform not in SYSTEMS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(SYSTEMS)}")
    return platform


def executable_name(name: str, platform: str | None = None) -> str:
    """A program's file name: ``ffmpeg`` → ``ffmpeg.exe`` on Windows."""
    return f"{name}.exe" if resolve(platform) == WINDOWS else name
