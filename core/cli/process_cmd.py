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
from typing import TYPE_CHECKING, Any

from ..errors import FrameFanError, SettingsError
from ..events import JobEvent, JobFinished
from ..ffmpeg_locator import find_ffmpeg
from ..layout import MANIFEST_NAME, job_dir_for
from ..limits import LIMIT_FIELDS, Limits
from ..manifest import DONE, FAILED, PARTIAL, Manifest
from ..runner import LocalRunner, default_workers
from ..settings import FIELDS, FieldSpec, Settings
from ..timefmt import format_clock

if TYPE_CHECKING:
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
        choices=["local", "lambda", "auto"],
        default="local",
        help=(
            "where to render: this machine, AWS Lambda (needs --stack), or auto: whichever "
            "'framefan estimate' finds faster for each video (needs --stack)"
        ),
    )
    cloud = parser.add_argument_group("AWS Lambda backend")
    cloud.add_argument("--stack", help="name of the deployed FrameFan stack")
    cloud.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    cloud.add_argument("--region", help="AWS region of the stack (default: the profile's)")
    cloud.add_argument(
        "--uplink-mbps",
        type=float,
        default=None,
        metavar="N",
        help="upload speed for --backend auto (default: the last one measured)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="snippets rendered at once (default: CPU count, %(default)s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per input on stdout"
    )
    parser.add_argument(
        "--no-overview",
        dest="overview",
        action="store_false",
        help=(
            "skip the overview pass (coarse pictures of the whole video, written first, "
            "seconds after each job starts)"
        ),
    )
    add_setting_options(parser)
    _add_options(
        parser.add_argument_group("limits (refuse jobs beyond them; see docs/safety.md)"),
        Limits(),
        LIMIT_FIELDS,
    )
    parser.set_defaults(run=run, command_parser=parser)


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    """One option per processing setting (``--snippet-seconds``, ``--no-frames``, …)."""
    _add_options(parser.add_argument_group("settings"), Settings(), FIELDS)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings the options of :func:`add_setting_options` give (defaults for the rest);
    raises :class:`SettingsError` for a bad value."""
    return Settings.from_dict(_given(args, Settings))


def _add_options(group: Any, defaults: Any, specs: dict[str, FieldSpec]) -> None:
    for field in fields(defaults):
        spec = specs[field.name]
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


def _given(args: argparse.Namespace, cls: Any) -> dict[str, Any]:
    given = {f.name: getattr(args, f.name) for f in fields(cls)}
    return {k: v for k, v in given.items() if v is not None}


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = settings_from_args(args)
        args.limits = Limits.from_dict(_given(args, Limits))
    except SettingsError as exc:
        parser.error(str(exc))
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.backend in ("lambda", "auto") and not args.stack:
        parser.error(f"--backend {args.backend} needs --stack NAME (the deployed stack)")
    try:
        find_ffmpeg()
    except FrameFanError as exc:
        print(f"framefan: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return asyncio.run(_process(args, settings))


async def _process(args: argparse.Namespace, settings: Settings) -> int:
    out_root: Path = args.out
    show_progress = sys.stderr.isatty() and not args.json
    view = None
    if show_progress:  # rich is imported only for a terminal (it takes a while to load)
        from .progress_view import ProgressView

        view = ProgressView()
    inputs: list[str] = list(args.videos)

    def on_event(event: JobEvent) -> None:
        if view is not None:
            view.handle(event)
        if isinstance(event, JobFinished):
            _report(args.json, inputs_for(event.manifest_path.parent), event, view)

    def inputs_for(job_dir: Path) -> list[str]:
        return [p for p in inputs if runner_dirs.get(p) == job_dir]

    runner_dirs = {p: job_dir_for(out_root, p) for p in inputs}
    main_task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        # SIGTERM stops the batch like Ctrl-C does: ffmpeg children are ended first.
        loop.add_signal_handler(signal.SIGTERM, main_task.cancel)  # type: ignore[union-attr]
    try:
        chosen = await _choose_backends(args, settings, inputs)
        with view or contextlib.nullcontext():
            batches = [
                _runner(args, settings, on_event, backend).run_batch(group, out_root)
                for backend, group in chosen.items()
                if group
            ]
            outcomes = [o for batch in await asyncio.gather(*batches) for o in batch]
    except asyncio.CancelledError:
        print(
            "framefan: cancelled; finished snippets are kept, run again to resume", file=sys.stderr
        )
        return 130
    return EXIT_OK if all(o.manifest.status == DONE for o in outcomes) else EXIT_FAILED


async def _choose_backends(
    args: argparse.Namespace, settings: Settings, inputs: list[str]
) -> dict[str, list[str]]:
    """The inputs of each backend; with ``auto``, the faster by estimate, per input."""
    if args.backend != "auto":
        return {args.backend: inputs}
    from ..estimate.job import capacity_from_stack, estimate_input
    from .estimate_cmd import _capacity

    try:
        capacity = _capacity(args)
    except FrameFanError as exc:
        print(f"framefan: --backend auto: {exc}; processing here", file=sys.stderr)
        return {"local": inputs}
    chosen: dict[str, list[str]] = {"local": [], "lambda": []}
    for item in inputs:
        try:
            found = await estimate_input(
                item,
                settings,
                workers=args.workers,
                capacity=capacity or capacity_from_stack(None),
                uplink_mbps=args.uplink_mbps,
            )
        except FrameFanError:
            chosen["local"].append(item)  # the local run reports what is wrong with it
            continue
        chosen[found.faster].append(item)
        if not args.json:
            where = "AWS" if found.faster == "lambda" else "this machine"
            print(
                f"auto: {item} on {where} (here ≈ {format_clock(found.local_seconds)}, "
                f"AWS ≈ {format_clock(found.cloud_seconds)} for ${found.cost_usd:.3f})",
                file=sys.stderr,
            )
    return chosen


def _runner(args: argparse.Namespace, settings: Settings, on_event: Any, backend: str) -> Any:
    if backend == "lambda":
        from ..cloud.runner import LambdaRunner
        from ..cloud.stack import CloudTarget

        target = CloudTarget(args.stack, args.profile, args.region)
        return LambdaRunner(settings, target, on_event=on_event, overview=args.overview)
    return LocalRunner(
        settings,
        workers=args.workers,
        on_event=on_event,
        limits=args.limits,
        overview=args.overview,
    )


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
                "error": _error_line(event),
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        line = _summary(item, event, manifest_path)
        if view is not None and sys.stdout.isatty():
            view.print(line)  # above the live bars, which share the terminal
        else:
            print(line, flush=True)


def _error_line(event: JobFinished) -> str | None:
    """One line saying why a failed or partial job is so (None for the others)."""
    if event.status not in (FAILED, PARTIAL):
        return event.error
    problem = event.error
    if not problem:
        try:
            problem = Manifest.load(event.manifest_path).problem()
        except FrameFanError as exc:
            problem = str(exc)
    return " ".join((problem or f"the job is {event.status} (no reason was recorded)").split())


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
