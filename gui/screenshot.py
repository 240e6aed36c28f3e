"""``framefan-gui --screenshot FILE [--open MANIFEST]``: the real window, rendered offscreen.

The window runs with a scratch profile (temporary settings, queue and logs), so a
screenshot never shows or changes the user's own queue.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from .appdirs import AppDirs
from .event_loop import make_event_loop
from .theme import apply_theme

_TIMEOUT = 20.0


def take_screenshot(out: Path, manifests: list[Path], theme: str, size: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .app import make_app
    from .main_window import MainWindow

    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        print(f"framefan-gui: --size must look like 1280x800, not {size!r}", file=sys.stderr)
        return 2
    app = make_app([])
    apply_theme(app, theme)
    app.setQuitOnLastWindowClosed(False)
    loop = make_event_loop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="framefan-shot-") as scratch:
        window = MainWindow(AppDirs.under(Path(scratch)))
        window.resize(width, height)
        window.show()

        async def render() -> int:
            for manifest in manifests:
                entry = await window.open_job(manifest)
                if entry is None:
                    print(f"framefan-gui: {window.message_bar.text.text()}", file=sys.stderr)
                    return 1
                await _settle(window)
            if manifests:
                model = window.preview.model()
                if model is not None:
                    window.preview.set_position(model.last_time / 2)
                    window.preview.timeline.setFocus()
            await _settle(window)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(out)):
                print(f"framefan-gui: cannot write {out}", file=sys.stderr)
                return 1
            print(out)
            return 0

        async def run() -> int:
            try:
                return await render()
            finally:
                closed = asyncio.get_running_loop().create_future()
                window.closed.connect(lambda: closed.done() or closed.set_result(None))
                window.close()
                await closed

        with loop:
            return loop.run_until_complete(run())


async def _settle(window) -> None:
    """Wait until background loading (manifest, stills, thumbnails) has finished."""
    deadline = time.monotonic() + _TIMEOUT
    calm = 0
    while time.monotonic() < deadline and calm < 5:
        QApplication.processEvents()
        await asyncio.sleep(0.05)
        busy = window.busy() or not window.cache.idle()
        calm = 0 if busy else calm + 1
