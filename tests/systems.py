"""Tests that need something only some systems have, marked once each with the reason.

The suite runs on Linux, macOS and Windows (.github/workflows/tests.yml); a test that
cannot run on a system is skipped there, saying why, never silently left out.
"""

from __future__ import annotations

import pytest

from core.platform.system import LINUX, MACOS, WINDOWS, current


def only_on(*systems: str, reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(current() not in systems, reason=reason)


posix = (LINUX, MACOS)

# Pausing a job stops its ffmpeg with SIGSTOP (core.ffmpeg_process); Windows has no such
# signal, and its ffmpeg runs on to the end of the snippet.
pausing_stops_ffmpeg = only_on(*posix, reason="pausing suspends ffmpeg with SIGSTOP (POSIX)")
sigterm = only_on(*posix, reason="Windows has no SIGTERM for a program to catch")
shell_scripts = only_on(*posix, reason="uses a shell script as a stand-in program")
freedesktop = only_on(LINUX, reason="freedesktop.org desktops (menu entries, XDG) are Linux's")
linux_bundle = only_on(LINUX, reason="builds and runs the Linux archive; the release workflow "
                       "builds and self-tests the macOS and Windows bundles")  # fmt: skip
home_is_posix = only_on(*posix, reason="~ is %USERPROFILE% on Windows, not $HOME")

__all__ = ["LINUX", "MACOS", "WINDOWS", "only_on"]
