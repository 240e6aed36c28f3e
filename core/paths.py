"""The one frozen-aware lookup for files that ship with FrameFan.

A PyInstaller bundle unpacks its data next to the executable (``sys._MEIPASS``); a source
checkout or a wheel keeps them beside the packages. Everything that ships with the app is
found through :func:`bundle_dir`.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def is_frozen() -> bool:
    """True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path:
    """The folder holding FrameFan's shipped files (``resources/``, a bundled ffmpeg)."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return _SOURCE_ROOT


def resource_path(name: str) -> Path:
    """Path of a file under ``resources/``."""
    return bundle_dir() / "resources" / name
