"""The real main window, run offscreen on a scratch profile, for one look and then closed.

``--screenshot`` and the self-test's window check use it: the window runs with temporary
settings, queue and logs, so it never shows or changes the user's own queue.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .appdirs import AppDirs
from .event_loop import make_event_loop
from .theme import apply_theme

if TYPE_CHECKING:
    from .main_window import MainWindow

_TIMEOUT = 20.0

Look = Callable[["MainWindow"], int]  # what to do with the settled window; returns an exit status


def with_window(look: Look, manifests: list[Path], theme: str, size: tuple[int, int]) -> int:
    """Open the jobs of ``manifests`` in an offscreen window of ``size``, scrub the last one
    to its middle, wait until everything shown has loaded, then return ``look(window)``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .app import make_app
    from .main_window import MainWindow

    app = make_app([])
    apply_theme(app, theme)
    app.setQuitOnLastWindowClosed(False)
    loop = make_event_loop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="framefan-shot-") as scratch:
        window = MainWindow(AppDirs.under(Path(scratch)))
        window.resize(*size)
        window.show()

        async def prepare() -> int:
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
            return look(window)

        async def run() -> int:
            try:
                return await prepare()
            finally:
                closed = asyncio.get_running_loop().create_future()
                window.closed.connect(lambda: closed.done() or closed.set_result(None))
                window.close()
                await closed

        with loop:
            return loop.run_until_complete(run())


async def _settle(window: MainWindow) -> None:
    """Wait until background loading (manifest, stills, thumbnails) has finished."""
    deadline = time.monotonic() + _TIMEOUT
    calm = 0
    while time.monotonic() < deadline and calm < 5:
        # Qt's events are handled while this waits (the loop is Qt's): processing them
        # here instead would run other tasks' steps inside this one's.
        await asyncio.sleep(0.05)
        busy = window.busy() or not window.cache.idle()
        calm = 0 if busy else calm + 1
