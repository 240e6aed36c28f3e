"""The rules a file name must follow to be created on every system FrameFan runs on.

Linux allows any byte but ``/`` and NUL; macOS, in addition, no ``:`` in Finder's view.
Windows is the strict one, and job folders travel (a shared drive, a synced folder, an
archive opened on an editor's PC), so every name FrameFan makes is held to its rules:

- no ``< > : " / \\ | ? *`` and no control characters;
- no trailing dot or space (Windows drops them silently, so ``clip.`` and ``clip`` clash);
- not a device name: ``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM0``–``COM9`` and
  ``LPT0``–``LPT9`` (also with superscript digits), ``CONIN$`` and ``CONOUT$``, with any
  extension or none, in any case: ``aux.mov`` or ``Con.final.mp4`` open the device, not a
  file;
- at most 255 characters per name, and a whole path under the 260 of ``MAX_PATH``, which
  programs that do not opt in to long paths (ffmpeg among them) still obey.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# MAX_PATH counts the terminating NUL: a usable path has at most 259 characters.
MAX_PATH = 259
MAX_NAME = 255

_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"}
)
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def device_name(name: str) -> bool:
    """True for a name Windows takes as a device: its part before the first dot (less
    trailing spaces) is one of the reserved names."""
    return name.split(".", 1)[0].rstrip(" ").upper() in _DEVICES


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file or folder name on Windows, or None when it can."""
    if not name or name in (".", ".."):
        return "an empty name"
    bad = _FORBIDDEN.search(name)
    if bad:
        return f"the character {bad.group()!r} is not allowed"
    if name[-1] in ". ":
        return "a name cannot end with a dot or a space"
    if device_name(name):
        return f"{name.split('.', 1)[0].rstrip(' ')!r} is the name of a device"
    if len(name) > MAX_NAME:
        return f"longer than {MAX_NAME} characters"
    return None


def path_problem(path: PurePath | str) -> str | None:
    """Why the relative or absolute ``path`` cannot be created on Windows, or None.

    Only the names below the anchor (``C:\\``, ``\\\\server\\share\\``, ``/``) are checked;
    the length is the whole path's, as Windows counts it.
    """
    pure = path if isinstance(path, PurePath) else PurePath(path)
    length = len(str(pure))
    if length > MAX_PATH:
        return f"{length} characters long, more than the {MAX_PATH} Windows allows"
    names = pure.parts[1:] if pure.anchor else pure.parts
    for name in names:
        problem = name_problem(name)
        if problem is not None:
            return f"{name!r}: {problem}"
    return None
