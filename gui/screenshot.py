"""``framefan-gui --screenshot FILE [--open MANIFEST]``: the real window, rendered offscreen.

The window runs with a scratch profile (temporary settings, queue and logs), so a
screenshot never shows or changes the user's own queue.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .offscreen import with_window

if TYPE_CHECKING:
    from .main_window import MainWindow


def take_screenshot(out: Path, manifests: list[Path], theme: str, size: str) -> int:
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        print(f"framefan-gui: --size must look like 1280x800, not {size!r}", file=sys.stderr)
        return 2

    def save(window: MainWindow) -> int:
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            print(f"framefan-gui: cannot write {out}", file=sys.stderr)
            return 1
        print(out)
        return 0

    return with_window(save, manifests, theme, (width, height))
