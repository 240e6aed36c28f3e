"""How much memory the system can give to new work right now."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from pathlib import Path


def available_memory(platform: str = sys.platform) -> int | None:
    """Bytes of memory available without swapping, or None when the system won't say."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if platform.startswith("linux"):
            return _linux_available(Path("/proc/meminfo").read_text(encoding="ascii"))
        if platform == "win32":
            return _windows_available()
        # macOS and other POSIX systems: no cheap figure of free memory; half of what is
        # installed is a fair share for one program's renders.
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
        if pages > 0 and size > 0:
            return pages * size // 2
    return None


def _linux_available(meminfo: str) -> int | None:
    """``MemAvailable`` of /proc/meminfo (the kernel's own estimate), in bytes."""
    for line in meminfo.splitlines():
        key, _, value = line.partition(":")
        if key == "MemAvailable":
            number, _, unit = value.strip().partition(" ")
            return int(number) * (1024 if unit.strip() == "kB" else 1)
    return None


class _MemoryStatusEx(ctypes.Structure):
    _fields_ = [
        ("dwLength", ctypes.c_uint32),
        ("dwMemoryLoad", ctypes.c_uint32),
        ("ullTotalPhys", ctypes.c_uint64),
        ("ullAvailPhys", ctypes.c_uint64),
        ("ullTotalPageFile", ctypes.c_uint64),
        ("ullAvailPageFile", ctypes.c_uint64),
        ("ullTotalVirtual", ctypes.c_uint64),
        ("ullAvailVirtual", ctypes.c_uint64),
        ("ullAvailExtendedVirtual", ctypes.c_uint64),
    ]


def _windows_available() -> int | None:
    status = _MemoryStatusEx()
    status.dwLength = ctypes.sizeof(status)
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    if not kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return int(status.ullAvailPhys)
