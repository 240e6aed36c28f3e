"""Entry point of the desktop app: ``framefan-gui`` and ``python -m gui``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from core import __version__

from .appdirs import APP_NAME, AppDirs
from .event_loop import make_event_loop
from .gc_guard import GuiThreadCollector
from .logs import setup_logging
from .platform.desktop_entry import DESKTOP_FILE_ID
from .platform.file_open import receive_opened_files
from .theme import DARK, LIGHT, SYSTEM, apply_theme

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="framefan-gui", description="FrameFan desktop app.")
    parser.add_argument("--version", action="version", version=f"framefan-gui {__version__}")
    parser.add_argument(
        "--open",
        type=Path,
        action="append",
        default=[],
        metavar="MANIFEST",
        help="open an earlier job (its manifest.json or folder); may be repeated",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="render the window offscreen into a PNG and exit (with --open: the last job "
        "opened, scrubbed to its middle); uses a scratch profile, never the user's queue or "
        "settings",
    )
    parser.add_argument("--theme", choices=[SYSTEM, LIGHT, DARK], default=SYSTEM)
    parser.add_argument(
        "--size", default="1280x800", metavar="WxH", help="window size for --screenshot"
    )
    return parser


def make_app(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    # Wayland desktops show a window's icon and group it through the menu entry of this name
    # (``FrameFan --add-to-menu``); they ignore the icon a window sets.
    app.setDesktopFileName(DESKTOP_FILE_ID)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.screenshot is not None:
        from .screenshot import take_screenshot

        return take_screenshot(args.screenshot, args.open, args.theme, args.size)
    dirs = AppDirs.for_user()
    setup_logging(dirs.logs)
    app = make_app([])
    apply_theme(app, args.theme)
    app.setQuitOnLastWindowClosed(False)  # the window closes itself once its jobs stopped
    loop = make_event_loop(app)
    asyncio.set_event_loop(loop)
    collector = GuiThreadCollector(app)

    from .main_window import MainWindow

    window = MainWindow(dirs)
    receive_opened_files(app, window.add_paths)  # macOS: videos dropped on the Dock icon
    _route_unexpected_errors(loop, window)
    window.show()
    for manifest in args.open:
        window.open_job(manifest)
    closed = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Ctrl-C or a polite kill closes the window the normal way: ffmpeg stops first.
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
            loop.add_signal_handler(sig, window.close)
    with loop:
        loop.run_until_complete(closed)
    collector.stop()
    return 0


def _route_unexpected_errors(loop: asyncio.AbstractEventLoop, window) -> None:
    """An unexpected exception is logged with its traceback and shown as one line."""

    def excepthook(kind, value, tb) -> None:
        log.error("unexpected error", exc_info=(kind, value, tb))
        window.report_unexpected(value)

    def loop_handler(_loop, context) -> None:
        exc = context.get("exception")
        log.error("unexpected error: %s", context.get("message"), exc_info=exc)
        window.report_unexpected(exc)

    sys.excepthook = excepthook
    loop.set_exception_handler(loop_handler)
