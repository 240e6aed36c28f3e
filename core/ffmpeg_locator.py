"""Finding the ffmpeg binary FrameFan runs.

Search order, first usable wins:

1. an explicit path given by the caller (a user setting);
2. the ``FRAMEFAN_FFMPEG`` environment variable;
3. the binary bundled with a frozen app (``<bundle>/ffmpeg/ffmpeg[.exe]``);
4. the binary shipped by the ``imageio-ffmpeg`` package;
5. ``ffmpeg`` on ``PATH``.

Only ffmpeg is needed: FrameFan never calls ffprobe.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from .errors import FfmpegNotFoundError
from .paths import bundle_dir, is_frozen
from .platform.system import executable_name

ENV_VAR = "FRAMEFAN_FFMPEG"
_EXE = executable_name("ffmpeg")


def _candidates(explicit: str | os.PathLike[str] | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if explicit:
        found.append(("the configured path", os.fspath(explicit)))
    env = os.environ.get(ENV_VAR)
    if env:
        found.append((f"${ENV_VAR}", env))
    if is_frozen():
        found.append(("the bundled copy", str(bundle_dir() / "ffmpeg" / _EXE)))
    try:
        import imageio_ffmpeg

        found.append(("imageio-ffmpeg", imageio_ffmpeg.get_ffmpeg_exe()))
    except (ImportError, RuntimeError):
        pass
    on_path = shutil.which(_EXE)
    if on_path:
        found.append(("PATH", on_path))
    return found


@functools.lru_cache(maxsize=16)
def _usable(path: str) -> bool:
    if not Path(path).is_file():
        return False
    try:
        result = subprocess.run(
            [path, "-hide_banner", "-version"],
            capture_output=True,
            timeout=20,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and result.stdout.startswith(b"ffmpeg version")


def find_ffmpeg(explicit: str | os.PathLike[str] | None = None) -> str:
    """Return the path of a working ffmpeg binary, or raise :class:`FfmpegNotFoundError`."""
    tried: list[str] = []
    for origin, path in _candidates(explicit):
        if _usable(path):
            return path
        tried.append(f"{origin} ({path})")
    detail = "; tried " + ", ".join(tried) if tried else ""
    raise FfmpegNotFoundError(
        "ffmpeg was not found or does not run"
        f"{detail}. Reinstall FrameFan, or set {ENV_VAR} to the path of an ffmpeg binary."
    )


def require_ffmpeg(path: str, origin: str) -> str:
    """``path`` if it is a working ffmpeg; otherwise :class:`FfmpegNotFoundError` naming
    ``origin`` (where the path came from). No other ffmpeg is looked for: where the
    environment names the binary (a Lambda function), another one found by chance would
    hide a broken deployment."""
    if path and _usable(path):
        return path
    raise FfmpegNotFoundError(f"ffmpeg does not run at {path or '(empty)'} (set by {origin})")


def ffmpeg_version(path: str) -> str:
    """The version string ffmpeg prints (e.g. ``n9.0.2``)."""
    out = subprocess.run(
        [path, "-hide_banner", "-version"], capture_output=True, text=True, check=True
    ).stdout
    return out.split()[2] if out.startswith("ffmpeg version") else "unknown"
