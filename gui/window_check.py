"""The desktop half of ``FrameFan --selftest``: the processed job, shown in the real window.

The core self-test proves that ffmpeg and the pipeline work. This proves the rest of an
installed app: that Qt starts, that the image format plugins decode the job's JPEG stills
and GIFs and the window paints them, and that the platform plugin this system shows windows
with loads (its shared libraries are present). The window runs offscreen on a scratch
profile, so the self-test never puts a window on the screen or touches the user's queue.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.layout import MANIFEST_NAME
from core.platform import system

if TYPE_CHECKING:
    from .main_window import MainWindow

LABEL = "opened it in the window (offscreen): still painted, GIF decoded"
PLATFORM_LABEL = "the platform plugin for this system's windows loads"

# The platform plugin a desktop session of each system uses; the offscreen one is checked by
# the window check itself.
NATIVE_PLATFORM = {system.LINUX: "xcb", system.MACOS: "cocoa", system.WINDOWS: "windows"}

_MIN_COLOURS = 20  # a painted test picture, not a blank or single-coloured canvas


def check_window(job_dir: Path) -> list[str]:
    """Problems found showing the job in ``job_dir`` in the window (none = it works)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from .offscreen import with_window
    from .theme import SYSTEM

    problems: list[str] = []

    def look(window: MainWindow) -> int:
        problems.extend(_shown_problems(window, job_dir))
        return 0

    if with_window(look, [job_dir / MANIFEST_NAME], SYSTEM, (1100, 700)) != 0 and not problems:
        problems.append("the window could not open the processed job")
    return problems


def _shown_problems(window: MainWindow, job_dir: Path) -> list[str]:
    preview = window.preview
    model = preview.model()
    if model is None or model.job_dir != job_dir:
        return ["the window did not show the processed job"]
    problems = []
    image = preview.frame_view.image()
    if image is None or image.isNull():
        problems.append("the still at the playhead was not decoded (JPEG image plugin missing?)")
    else:
        painted = preview.frame_view.grab(preview.frame_view.image_rect().toRect()).toImage()
        step = max(1, painted.width() // 40)
        colours = {
            painted.pixel(x, y)
            for x in range(0, painted.width(), step)
            for y in range(0, painted.height(), step)
        }
        if len(colours) < _MIN_COLOURS:
            problems.append(f"the still was painted with only {len(colours)} colours")
    gif = preview.gif_view
    if gif.current_image() is None or gif.frame_count() < 2:
        problems.append("the snippet's GIF was not decoded (GIF image plugin missing?)")
    return problems


def check_platform_plugin() -> list[str]:
    """Problems loading the platform plugin this system's desktop uses.

    Loading the plugin resolves its shared libraries (on Linux the X11/xcb ones, the usual
    reason a Qt app does not start) without needing a display.
    """
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    name = NATIVE_PLATFORM[system.current()]
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    found = [p for p in folder.glob(f"*q{name}.*") if p.stem.removeprefix("lib") == f"q{name}"]
    if not found:
        return [f"the {name} platform plugin is missing from {folder}"]
    loader = QPluginLoader(str(found[0]))
    if not loader.load():
        return [f"the {name} platform plugin does not load: {loader.errorString()}"]
    return []
