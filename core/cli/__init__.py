"""The ``framefan`` command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from .. import __version__

# Each command's module, by the command's name. A run imports only its command's: exports
# bring OpenTimelineIO and Pillow, estimates the cloud's cost model, and their imports would
# delay every `framefan process` (and its first picture) by as much as a second.
COMMANDS = {
    "process": "process_cmd",
    "export": "export_cmd",
    "estimate": "estimate_cmd",
    "cloud-sim": "cloud_sim_cmd",
    "selftest": "selftest_cmd",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the ``only`` one named."""
    parser = argparse.ArgumentParser(
        prog="framefan",
        description="Cut videos into snippets; render a GIF and still frames for each.",
    )
    parser.add_argument("--version", action="version", version=f"framefan {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f".{module}", __name__).register(commands)
    return parser


def command_names() -> list[str]:
    """The commands' names (``process``, …), e.g. to tell a command from a file name."""
    return list(COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # The global options take no value: the first other word names the command.
    command = next((word for word in given if not word.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(given)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args, args.command_parser))
    except KeyboardInterrupt:
        print("framefan: interrupted", file=sys.stderr)
        return 130
