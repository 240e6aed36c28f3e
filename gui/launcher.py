"""The installed app's one program, ``FrameFan``: the window, or the command line.

- ``FrameFan [VIDEO | FOLDER …] [--open MANIFEST] …`` opens the window with those videos
  added (every option of ``framefan-gui``; a window already open takes them instead);
- ``FrameFan --version`` prints the version;
- ``FrameFan --selftest`` checks the installation: the core self-test, then the processed
  job shown in the window offscreen;
- ``FrameFan --add-to-menu`` / ``--remove-from-menu`` (Linux) puts FrameFan in the desktop's
  application menu, or takes it out;
- ``FrameFan COMMAND …`` (a first argument naming a command: ``process``, …) is the
  ``framefan`` command line, with its exit statuses. A first argument that is a path (it
  exists, or holds a ``.`` or a ``/``) is a video for the window.

One program rather than a second executable for the command line: editors get one thing to
start, and the command line needs nothing the window does not already ship. Only the window,
``--selftest`` and ``--help`` load Qt, so the command line does not pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from core import __version__
from core.platform.menu import menu_integration

PROG = "FrameFan"
WINDOW_EPILOG = (
    f"{PROG} --selftest checks this installation: it processes a generated clip and shows it "
    f"in the window offscreen. {PROG} --add-to-menu puts {PROG} in the application menu of a "
    "Linux desktop (--remove-from-menu takes it out). The command line follows."
)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    first = args[0] if args else ""
    if first == "--version":
        print(f"{PROG} {__version__}")
        return 0
    if first == "--watchdog":  # ends this program's children if it dies (core.platform)
        from core.platform.watchdog import main as watchdog_main

        return watchdog_main()
    if first == "--selftest":
        return _selftest(args[1:])
    if first in ("--add-to-menu", "--remove-from-menu"):
        return _menu(first, args[1:])
    if first in ("-h", "--help"):
        return _help()
    if first in ("-v", "--verbose") or (first and not first.startswith("-") and not _path(first)):
        from core.cli import main as cli_main

        return cli_main(args)
    return _window(args)


def _path(argument: str) -> bool:
    """A first argument the window takes: a path, not a command (a file named like a
    command is given as ./process)."""
    from core.cli import command_names

    if argument in command_names():
        return False
    return os.path.exists(argument) or any(c in argument for c in "./" + os.sep)


def _selftest(rest: list[str]) -> int:
    if rest:
        print(f"{PROG}: --selftest takes no arguments (got {' '.join(rest)})", file=sys.stderr)
        return 2
    from core import selftest

    from .window_check import LABEL, PLATFORM_LABEL, check_platform_plugin, check_window

    checks = [(LABEL, check_window), (PLATFORM_LABEL, lambda _job: check_platform_plugin())]
    return selftest.run(job_checks=checks)


def _menu(option: str, rest: list[str]) -> int:
    if rest:
        print(f"{PROG}: {option} takes no arguments (got {' '.join(rest)})", file=sys.stderr)
        return 2
    integration = menu_integration()
    if not integration.by_the_app:
        print(f"{PROG}: {option} is for Linux desktops; here, {integration.how}", file=sys.stderr)
        return 2
    from .platform.desktop_entry import DesktopEntryError, add_to_menu, remove_from_menu

    try:
        if option == "--add-to-menu":
            files = add_to_menu()
            print(f"added {PROG} to the application menu: {files.entry}")
        else:
            removed = remove_from_menu()
            print(f"removed {len(removed)} file(s); {PROG} is no longer in the menu")
    except DesktopEntryError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    return 0


def _help() -> int:
    """The window's options, then the command line's commands: one program, both helps."""
    from core.cli import build_parser as cli_parser

    from .app import build_parser as window_parser

    for parser, epilog in ((window_parser(), WINDOW_EPILOG), (cli_parser(), None)):
        parser.prog = PROG
        parser.epilog = epilog
        parser.print_help()
        print()
    return 0


def _window(args: list[str]) -> int:
    from .app import main as window_main

    return window_main(args, prog=PROG, command_line=PROG)


if __name__ == "__main__":
    sys.exit(main())
