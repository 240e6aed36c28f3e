"""Whether the window can open here, said in one line when it cannot, instead of Qt's abort
about platform plugins: no display at all (a server, an SSH session), a display no server
answers, or missing system libraries."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from core.platform import system

log = logging.getLogger(__name__)


def missing_display() -> str | None:
    """Why no window can open, when that is plain before starting Qt; None otherwise."""
    if system.current() != system.LINUX or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset)"


def no_window_line(prog: str, command_line: str, reason: str) -> str:
    """The one line a launch without a window prints: why, and what works instead."""
    return (
        f"{prog}: {reason}. Without a display, process videos with "
        f"`{command_line} process VIDEO…`, or render the window into a PNG with "
        f"`{prog} --screenshot FILE`"
    )


@contextlib.contextmanager
def one_line_on_failure(prog: str, command_line: str) -> Iterator[None]:
    """While the application starts, turn Qt's fatal error about the platform (it aborts
    the process) into :func:`no_window_line` and exit status 1. Qt's messages meanwhile go
    to the log."""
    messages: list[tuple[str, str]] = []  # (category, message)

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            platform = [m for c, m in messages if c.startswith("qt.qpa")]
            reason = platform[0] if platform else message.splitlines()[0]
            print(
                no_window_line(prog, command_line, f"cannot open the window: {reason}"),
                file=sys.stderr,
                flush=True,
            )
            os._exit(1)  # Qt aborts once this returns; nothing else has started yet
        messages.append((context.category or "", message))
        log.warning("Qt: %s", message)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
