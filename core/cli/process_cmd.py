"""``framefan process``: run a batch of videos through a backend."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..errors import FrameFanError, SettingsError
from ..events import JobEvent, JobFinished
from ..ffmpeg_locator import find_ffmpeg
from ..layout import MANIFEST_NAME, job_dir_for
from ..manifest import DONE, Manifest
from ..runner import LocalRunner, default_workers
from ..settings import FIELDS, Settings
from .progress_view import ProgressView

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "process",
        help="process videos into GIFs and still frames",
        description="Process each VIDEO into its own job folder under --out.",
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEO", help="video files to process")
    parser.add_argument(
        "--out", type=Path, default=Path("framefan-out"), help="output folder (%(default)s)"
    )
    parser.add_argument(
        "--backend",
        choices=["local", "lambda"],
        default="local",
        help="where to render: this machine, or AWS Lambda (needs --stack)",
    )
    cloud = parser.add_argument_group("AWS Lambda backend")
    cloud.add_argument("--stack", help="name of the deployed FrameFan stack")
    cloud.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    cloud.add_argument("--region", help="AWS region of the stack (default: the profile's)")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="snippets rendered at once (default: CPU count, %(default)s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per input on stdout"
    )
    _add_setting_options(parser)
    parser.set_defaults(run=run, command_parser=parser)


def _add_setting_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings")
    defaults = Settings()
    for field in fields(Settings):
        spec = FIELDS[field.name]
        default = getattr(defaults, field.name)
        if field.type == "bool":
            group.add_argument(
                f"--no-{field.name.replace('_', '-')}",
                dest=field.name,
                action="store_false",
                default=None,
                help=spec.off_help,
            )
            continue
        unit = f" {spec.unit}" if spec.unit else ""
        # Values stay strings here: Settings.from_dict converts and validates them.
        group.add_argument(
            f"--{field.name.replace('_', '-')}",
            dest=field.name,
            default=None,
            metavar="N",
            help=f"{spec.help} (default {default:g}{unit})",
        )


def _settings(args: argparse.Namespace) -> Settings:
    given = {f.name: getattr(args, f.name) for f in fields(Settings)}
    return Settings.from_dict({k: v for k, v in given.items() if v is not None})


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = _settings(args)
    except SettingsError as exc:
        parser.error(str(exc))
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.backend == "lambda" and not args.stack:
        parser.error("--backend lambda needs --stack NAME (the deployed stack)")
    try:
        find_ffmpeg()
    except FrameFanError as exc:
        print(f"framefan: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return asyncio.run(_process(args, settings))


async def _process(args: argparse.Namespace, settings: Settings) -> int:
    out_root: Path = args.out
    show_progress = sys.stderr.isatty() and not args.json
    view = ProgressView() if show_progress else None
    inputs: list[str] = list(args.videos)

    def on_event(event: JobEvent) -> None:
        if view is not None:
            view.handle(event)
        if isinstance(event, JobFinished):
            _report(args.json, inputs_for(event.manifest_path.parent), event, view)

    def inputs_for(job_dir: Path) -> list[str]:
        return [p for p in inputs if runner_dirs.get(p) == job_dir]

    runner = _runner(args, settings, on_event)
    runner_dirs = {p: job_dir_for(out_root, p) for p in inputs}
    main_task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        # SIGTERM stops the batch like Ctrl-C does: ffmpeg children are ended first.
        loop.add_signal_handler(signal.SIGTERM, main_task.cancel)  # type: ignore[union-attr]
    try:
        with view or contextlib.nullcontext():
            outcomes = await runner.run_batch(inputs, out_root)
    except asyncio.CancelledError:
        print(
            "framefan: cancelled; finished snippets are kept, run again to resume", file=sys.stderr
        )
        return 130
    return EXIT_OK if all(o.manifest.status == DONE for o in outcomes) else EXIT_FAILED


def _runner(args: argparse.Namespace, settings: Settings, on_event: Any) -> Any:
    if args.backend == "lambda":
        from ..cloud.runner import LambdaRunner
        from ..cloud.stack import CloudTarget

        target = CloudTarget(args.stack, args.profile, args.region)
        return LambdaRunner(settings, target, on_event=on_event)
    return LocalRunner(settings, workers=args.workers, on_event=on_event)


def _report(
    as_json: bool, inputs: list[str], event: JobFinished, view: ProgressView | None
) -> None:
    manifest_path = event.manifest_path
    for item in inputs:
        if as_json:
            record = {
                "input": item,
                "status": event.status,
                # None for an input refused before any work: it gets no job folder.
                "manifest": str(manifest_path) if manifest_path.is_file() else None,
                "error": event.error,
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        line = _summary(item, event, manifest_path)
        if view is not None and sys.stdout.isatty():
            view.print(line)  # above the live bars, which share the terminal
        else:
            print(line, flush=True)


def _summary(item: str, event: JobFinished, manifest_path: Path) -> str:
    if event.error:
        return f"{event.status:9} {event.error}"
    detail = ""
    with contextlib.suppress(FrameFanError):
        manifest = Manifest.load(manifest_path)
        counts = manifest.counts()
        detail = (
            f" ({counts[DONE]}/{len(manifest.snippets)} snippets, {len(manifest.frames)} frames)"
        )
        failures = [s.error for s in manifest.snippets if s.error]
        if failures:
            detail += f"; first error: {failures[0]}"
    folder = os.path.relpath(manifest_path.parent) if manifest_path.name == MANIFEST_NAME else ""
    return f"{event.status:9} {item} -> {folder}{detail}"
