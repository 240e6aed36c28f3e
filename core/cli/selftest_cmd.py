"""``framefan selftest``: check that this installation can process a video."""

from __future__ import annotations

import argparse
from typing import Any

from .. import selftest


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "selftest",
        help="process a generated clip to check this installation",
        description=selftest.__doc__.splitlines()[0] if selftest.__doc__ else None,
    )
    parser.set_defaults(run=run, command_parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    return selftest.run()
