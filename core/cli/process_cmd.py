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
from ..events import JobEvent, JobFinished, UploadPlanned
from ..ffmpeg_locator import find_ffmpeg
from ..layout import MANIFEST_NAME, job_dir_for
from ..limits import LIMIT_FIELDS, Limits
from ..manifest import DONE, FAILED, PARTIAL, Manifest
from ..runner import LocalRunner, default_workers
from ..settings import FIELDS, FieldSpec, Settings
from ..timefmt import format_clock

if TYPE_CHECKING:
    from .progress_view import ProgressView

# Kept in step with core.cloud.segments (not imported: the local backend needs no boto3).
AUTO = "auto"
UPLOAD_MODES = (AUTO, "whole", "segments")
S3_SCHEME = "s3://"

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "process",
        help="process videos into GIFs and still frames",
        description=(
            "Process each VIDEO into its own job folder under --out. A VIDEO may also be "
            "s3://BUCKET/KEY, a video already in one of the stack's source buckets "
            "(--backend lambda; nothing is uploaded)."
        ),
    )
    parser.add_argument(
        "videos", nargs="+", metavar="VIDEO", help="video files (or s3://BUCKET/KEY) to process"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("framefan-out"), help="output folder (%(default)s)"
    )
    parser.add_argument(
        "--backend",
        choices=["local", "lambda", "auto"],
        default="local",
        help=(
            "where to render: this machine, AWS Lambda (needs --stack), or auto: for each "
            "video, whichever 'framefan estimate' finds faster, or both at once (this machine "
            "from the end, AWS from the start) when the video can be sent as segments "
            "(needs --stack)"
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
    cloud.add_argument(
        "--upload",
        choices=list(UPLOAD_MODES),
        default=AUTO,
        help=(
            "how to send a video: segments (one per snippet, cut without re-encoding, each "
            "rendered as it arrives), whole (one file, rendered once it is all there), or auto: "
            "segments when the video can be cut cleanly (%(default)s)"
        ),
    )
    cloud.add_argument(
        "--upload-limit-mbps",
        type=float,
        default=None,
        metavar="N",
        help="send at most N Mbit/s, to leave room on a shared uplink (default: no limit)",
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
    if args.upload_limit_mbps is not None and not args.upload_limit_mbps > 0:
        parser.error("--upload-limit-mbps must be more than 0")
    in_s3 = [v for v in args.videos if v.startswith(S3_SCHEME)]
    if in_s3 and args.backend == "local":
        parser.error(f"{in_s3[0]}: a video in S3 is processed there: use --backend lambda")
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

    uploads: dict[str, str] = {}  # job id → how its video went to the cloud

    def on_event(event: JobEvent) -> None:
        if view is not None:
            view.handle(event)
        if isinstance(event, UploadPlanned):
            uploads[event.job_id] = event.mode
            if not args.json:
                _say(f"upload: {event.job_id}: {event.reason}", view)
        if isinstance(event, JobFinished):
            upload = uploads.get(event.job_id)
            _report(args.json, inputs_for(event.manifest_path.parent), event, view, upload)

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
    """The inputs of each backend; with ``auto``, per input: the faster of this machine and
    AWS, or both at once (``hybrid``) when that is faster still."""
    if args.backend != "auto":
        return {args.backend: inputs}
    from ..estimate.job import capacity_from_stack, estimate_input
    from .estimate_cmd import _capacity

    chosen: dict[str, list[str]] = {"local": [], "lambda": [], "hybrid": []}
    chosen["lambda"] = [i for i in inputs if i.startswith(S3_SCHEME)]
    local_files = [i for i in inputs if not i.startswith(S3_SCHEME)]
    try:
        capacity = _capacity(args)
    except FrameFanError as exc:
        print(f"framefan: --backend auto: {exc}; processing here", file=sys.stderr)
        return {"local": local_files, "lambda": chosen["lambda"]}
    for item in local_files:
        try:
            found = await estimate_input(
                item,
                settings,
                workers=args.workers,
                capacity=capacity or capacity_from_stack(None),
                uplink_mbps=args.uplink_mbps,
                upload_limit_mbps=args.upload_limit_mbps,
                upload=args.upload,
            )
        except FrameFanError:
            chosen["local"].append(item)  # the local run reports what is wrong with it
            continue
        best = found.best
        chosen[best].append(item)
        if not args.json:
            where = {"lambda": "AWS", "local": "this machine", "hybrid": "this machine and AWS"}
            both = (
                f", both ≈ {format_clock(found.hybrid_seconds)}"
                if found.hybrid_seconds is not None
                else ""
            )
            print(
                f"auto: {item} on {where[best]} (here ≈ {format_clock(found.local_seconds)}, "
                f"AWS ≈ {format_clock(found.cloud_seconds)} for ${found.cost_usd:.3f}{both})",
                file=sys.stderr,
            )
    return chosen


def _runner(args: argparse.Namespace, settings: Settings, on_event: Any, backend: str) -> Any:
    if backend in ("lambda", "hybrid"):
        from ..cloud.hybrid import HybridRunner
        from ..cloud.runner import LambdaRunner
        from ..cloud.stack import CloudTarget

        target = CloudTarget(args.stack, args.profile, args.region)
        if backend == "hybrid":
            return HybridRunner(
                settings,
                target,
                workers=args.workers,
                on_event=on_event,
                upload_limit_mbps=args.upload_limit_mbps,
                upload=args.upload,
                limits=args.limits,
                overview=args.overview,
            )
        return LambdaRunner(
            settings,
            target,
            on_event=on_event,
            upload=args.upload,
            upload_limit_mbps=args.upload_limit_mbps,
            overview=args.overview,
            limits=args.limits,
        )
    return LocalRunner(
        settings,
        workers=args.workers,
        on_event=on_event,
        limits=args.limits,
        overview=args.overview,
    )


def _report(
    as_json: bool,
    inputs: list[str],
    event: JobFinished,
    view: ProgressView | None,
    upload: str | None = None,
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
            if upload is not None:
                record["upload"] = upload
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


def _say(line: str, view: ProgressView | None) -> None:
    """A note for the user on stderr (above the live bars, if any)."""
    if view is not None and sys.stderr.isatty():
        view.print(line)
    else:
        print(line, file=sys.stderr, flush=True)


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
