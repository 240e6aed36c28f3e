"""The environment to start the desktop's own programs with (file manager, ``xdg-open``).

An installed FrameFan is a PyInstaller bundle, which changes its own environment so that it
loads its bundled libraries: on Linux the bootloader puts the bundle first on
``LD_LIBRARY_PATH`` (keeping the user's value in ``LD_LIBRARY_PATH_ORIG``), Qt's start-up
points ``QT_PLUGIN_PATH`` into it, Windows' ``PATH`` and macOS' ``DYLD_LIBRARY_PATH`` may
gain it, and ``_PYI_*`` variables tell a child that it is part of the bundle. A system
program started with that environment loads FrameFan's copies of GLib or Qt instead of its
own and fails (a KDE file manager crashes on Qt plugins of another version). Programs the
bundle ships, such as its ffmpeg, keep the bundle's environment; only the desktop's get
this one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from ..paths import bundle_dir, is_frozen
from .system import WINDOWS, resolve

_RESTORED = {"LD_LIBRARY_PATH": "LD_LIBRARY_PATH_ORIG"}
_BUNDLE_ONLY_PREFIXES = ("_PYI_", "_MEIPASS")


def for_system_programs(
    environ: Mapping[str, str],
    bundle: str | None,
    platform: str | None = None,
) -> dict[str, str]:
    """``environ`` as it was before the bundle at ``bundle`` changed it (unchanged when
    ``bundle`` is None: FrameFan runs from its sources)."""
    env = dict(environ)
    if bundle is None:
        return env
    windows = resolve(platform) == WINDOWS
    flavour: type[PurePath] = PureWindowsPath if windows else PurePosixPath
    separator = ";" if windows else ":"
    root = flavour(bundle)
    for name, saved in _RESTORED.items():
        if saved in env:
            original = env.pop(saved)
            if original:
                env[name] = original
            else:
                env.pop(name, None)
    for name in list(env):
        if name.startswith(_BUNDLE_ONLY_PREFIXES):
            del env[name]
            continue
        entries = env[name].split(separator)
        kept = [e for e in entries if not _inside(flavour(e), root)] if entries else entries
        if len(kept) != len(entries):
            if kept:
                env[name] = separator.join(kept)
            else:
                del env[name]
    return env


def _inside(path: PurePath, root: PurePath) -> bool:
    if not path.is_absolute():
        return False
    return path == root or root in path.parents


def current_for_system_programs() -> dict[str, str]:
    """This process's environment, for a program of the desktop."""
    return for_system_programs(os.environ, str(bundle_dir()) if is_frozen() else None)
