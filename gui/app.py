"""Entry point of the desktop app: ``framefan-gui [VIDEO | FOLDER | MANIFEST …]`` and
``python -m gui``.

Paths given (by a file manager's "Open with", a desktop entry's ``%F``, a script) are added
to the queue; earlier jobs (a ``manifest.json`` or its folder) are opened. One window per
user: a launch while the window is open hands its paths over to it and exits.
"""

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
from .platform.display import missing_display, no_window_line, one_line_on_failure
from .platform.file_open import receive_opened_files
from .platform.single_instance import Outcome, SingleInstance
from .theme import DARK, LIGHT, SYSTEM, apply_theme

log = logging.getLogger(__name__)

PROG = "framefan-gui"
COMMAND_LINE = "framefan"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="FrameFan desktop app.")
    parser.add_argument("--version", action="version", version=f"{prog} {__version__}")
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="videos or folders of videos to add to the queue, or earlier jobs (their "
        "manifest.json or folder) to open; with a FrameFan window already open, they go "
        "to that window",
    )
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


def main(
    argv: Sequence[str] | None = None, prog: str = PROG, command_line: str = COMMAND_LINE
) -> int:
    args = build_parser(prog).parse_args(argv)
    if args.screenshot is not None:
        if args.paths:
            print(f"{prog}: --screenshot shows earlier jobs (--open MANIFEST)", file=sys.stderr)
            return 2
        from .screenshot import take_screenshot

        return take_screenshot(args.screenshot, args.open, args.theme, args.size)
    reason = missing_display()
    if reason is not None:
        print(no_window_line(prog, command_line, reason), file=sys.stderr)
        return 1
    # Relative paths mean the folder this launch started in, not the open window's.
    paths = [p.expanduser().absolute() for p in args.paths]
    jobs = [p.expanduser().absolute() for p in args.open]
    dirs = AppDirs.for_user()
    setup_logging(dirs.logs)
    with one_line_on_failure(prog, command_line):
        app = make_app([])
    instance = SingleInstance.for_profile(dirs.config)
    outcome = instance.claim(paths, jobs) if instance is not None else Outcome.ALONE
    if outcome is Outcome.HANDED_OVER:
        given = len(paths) + len(jobs)
        done = f"handed {given} path{'s' if given != 1 else ''} to" if given else "brought up"
        print(f"{prog}: {done} the FrameFan window already open")
        return 0
    if outcome is Outcome.NOT_ANSWERING:
        print(
            f"{prog}: a FrameFan window is open but not answering; close it (or end its "
            "process), then try again",
            file=sys.stderr,
        )
        return 1
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
    if instance is not None:
        instance.serve(window.receive)
    window.receive(paths, jobs)
    closed = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Ctrl-C or a polite kill closes the window the normal way: ffmpeg stops first.
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
            loop.add_signal_handler(sig, window.close)
    log.info("window open (FrameFan %s)", __version__)
    with loop:
        loop.run_until_complete(closed)
    if instance is not None:
        instance.close()
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
