"""``framefan cloud-sim``: the deployed stack, offline (see core.cloud.sim)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "cloud-sim",
        help="run an offline stand-in for the AWS stack (moto server + the real functions)",
        description=(
            "Serve the stack of infra/template.yaml offline: moto in server mode on 127.0.0.1 "
            "and the real Lambda handlers, invoked for each S3 upload and snippet event. "
            "Prints one READY line, then serves until interrupted."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port for AWS_ENDPOINT_URL (free one)")
    parser.add_argument(
        "--workers", type=int, default=2, help="function invocations run at once (%(default)s)"
    )
    parser.add_argument("--stack", default="framefan-sim", help="stack name (%(default)s)")
    parser.add_argument("--template", type=Path, default=None, help="SAM template to emulate")
    parser.add_argument(
        "--chaos",
        action="append",
        default=[],
        metavar="SPEC",
        help=(
            "inject a fault (repeatable): crash-snippet=K, probe-outage=N, duplicate-events, "
            "drop-event=K, undeliverable-event=K (see docs/cloud.md)"
        ),
    )
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="wait before Lambda's first retry of a failed invocation (AWS: 60; %(default)s)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter, as 'sam deploy --parameter-overrides' (repeatable)",
    )
    parser.set_defaults(run=run, command_parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if args.retry_delay < 0:
        parser.error("--retry-delay must not be negative")
    parameters = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"--parameter {item!r}: expected NAME=VALUE")
        parameters[name] = value
    try:
        from ..cloud.sim.chaos import Chaos, ChaosError
        from ..cloud.sim.emulator import CloudSim, Invocation
        from ..cloud.sim.template import default_template
    except ImportError as exc:
        print(
            f"framefan: cloud-sim needs the emulator's packages ({exc.name} is missing): "
            "pip install 'framefan[sim]'",
            file=sys.stderr,
        )
        return EXIT_FAILED
    try:
        chaos = Chaos.parse(args.chaos)
    except ChaosError as exc:
        parser.error(str(exc))
    template = args.template or default_template()
    if not template.is_file():
        print(f"framefan: {template}: template not found (use --template)", file=sys.stderr)
        return EXIT_FAILED

    def report(invocation: Invocation) -> None:
        state = "ok" if invocation.ok else "FAILED"
        attempt = f" (attempt {invocation.attempt})" if invocation.attempt > 1 else ""
        print(
            f"{invocation.function} {state} in {invocation.seconds:.1f} s{attempt}",
            file=sys.stderr,
        )
        if not invocation.ok:
            tail = invocation.output.strip().splitlines()[-5:]
            print("  " + "\n  ".join(tail), file=sys.stderr)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sim = CloudSim(
        template,
        stack=args.stack,
        port=args.port,
        workers=args.workers,
        on_invocation=report,
        chaos=chaos,
        retry_delay=args.retry_delay,
        parameters=parameters,
    )
    try:
        sim.start()
    except OSError as exc:
        print(f"framefan: cloud-sim could not start: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as exc:
        print(f"framefan: {template}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        print(sim.ready_line(), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    print("framefan: cloud-sim stopped", file=sys.stderr)
    return EXIT_OK
