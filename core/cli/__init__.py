"""The ``framefan`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from .. import __version__
from . import cloud_sim_cmd, estimate_cmd, export_cmd, process_cmd, selftest_cmd

COMMANDS = (process_cmd, export_cmd, estimate_cmd, cloud_sim_cmd, selftest_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framefan",
        description="Cut videos into snippets; render a GIF and still frames for each.",
    )
    parser.add_argument("--version", action="version", version=f"framefan {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def command_names() -> list[str]:
    """The commands' names (``process``, …), e.g. to tell a command from a file name."""
    return [
        name
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args, args.command_parser))
    except KeyboardInterrupt:
        print("framefan: interrupted", file=sys.stderr)
        return 130
