"""``framefan export``: get stills, GIFs, clips, sheets, sprites, markers and a web page out
of a job folder. Each subcommand is a thin wrapper around :mod:`core.export`.

Exit status: 0 done, 1 failed, 2 the request cannot be carried out as given (bad arguments,
a range outside the video, a source that moved, an existing output without ``--force``),
130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import re
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..cloud.publish import DEFAULT_HOURS, MAX_HOURS, Published, check_hours, cloud_job_of
from ..errors import FrameFanError, UsageError
from ..export import (
    ExportJob,
    export_clip,
    export_contact_sheet,
    export_gif,
    export_markers,
    export_sprites,
    export_still,
    export_web,
    open_job,
)
from ..export.contact_sheet import DEFAULT_COLUMNS
from ..export.markers import FORMATS
from ..export.sprites import DEFAULT_EVERY, DEFAULT_WIDTH
from ..export.work import in_thread

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

_BYTES_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib)?$", re.I)
_UNITS = {None: 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 2**20}


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (``framefan export gif: …``), exit status 2."""

    def error(self, message: str) -> NoReturn:
        _one_line_error(self, message)


def _one_line_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.exit(EXIT_USAGE, f"{parser.prog}: {message}\n")


def _byte_count(text: str) -> int:
    match = _BYTES_RE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 2000000, 500k, 2M)")
    return int(float(match[1]) * _UNITS[(match[2] or "").lower() or None])


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "export",
        help="export stills, GIFs, clips, contact sheets, sprites, markers or a web page",
        description="Export from a job folder (or its manifest.json). Times are seconds, "
        "[H:]MM:SS[.ss], or HH:MM:SS:FF in the video's source timecode.",
    )
    parser.error = functools.partial(_one_line_error, parser)  # type: ignore[method-assign]
    kinds = parser.add_subparsers(
        dest="kind", metavar="KIND", required=True, parser_class=_OneLineParser
    )

    def add(name: str, help_text: str, output: str, *, source: bool = False, required=True):
        sub = kinds.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("job", type=Path, metavar="JOB", help="job folder or its manifest.json")
        sub.add_argument("-o", "--output", type=Path, required=required, metavar=output)
        sub.add_argument("--force", action="store_true", help="replace an existing output")
        sub.add_argument("--json", action="store_true", help="print the result as JSON")
        if source:
            sub.add_argument(
                "--source", type=Path, metavar="PATH", help="the source video, if it moved"
            )
        return sub

    still = add("still", "one picture, JPEG or PNG by extension", "FILE", source=True)
    still.add_argument("--at", required=True, metavar="T", help="time of the picture")
    still.add_argument(
        "--full-size", action="store_true", help="decode it from the source at full resolution"
    )
    still.set_defaults(export=_still)

    gif = add("gif", "an animated GIF of a range, from the source", "FILE.gif", source=True)
    _range_options(gif)
    gif.add_argument("--width", type=_positive_int, metavar="W", help="width in pixels")
    gif.add_argument("--fps", type=_seconds, metavar="F", help="frames per second")
    gif.add_argument(
        "--max-bytes",
        type=_byte_count,
        metavar="N",
        help="the best quality within N bytes (e.g. 2M): width, frame rate, colours and "
        "dithering are chosen to fit",
    )
    gif.set_defaults(export=_gif)

    clip = add("clip", "a range as a video file (H.264/AAC)", "FILE.mp4", source=True)
    _range_options(clip)
    clip.add_argument(
        "--copy",
        action="store_true",
        help="cut without re-encoding, at the keyframes around the range",
    )
    clip.set_defaults(export=_clip)

    sheet = add("contact-sheet", "a grid of stills with their times", "FILE.png|.jpg|.pdf")
    sheet.add_argument("--columns", type=_positive_int, default=DEFAULT_COLUMNS, metavar="N")
    spread = sheet.add_mutually_exclusive_group()
    spread.add_argument("--every", type=_seconds, metavar="SECONDS", help="one tile every …")
    spread.add_argument("--count", type=_positive_int, metavar="N", help="N evenly spread tiles")
    spread.add_argument("--marks", action="store_true", help="one tile per mark, with its name")
    sheet.set_defaults(export=_sheet)

    sprites = add("sprites", "seek-bar thumbnails: sprite sheets and thumbnails.vtt", "DIR")
    sprites.add_argument(
        "--every", type=_seconds, default=DEFAULT_EVERY, metavar="SECONDS",
        help="one thumbnail every … seconds (%(default)g)",
    )  # fmt: skip
    sprites.add_argument(
        "--width", type=_positive_int, default=DEFAULT_WIDTH, metavar="W",
        help="thumbnail width (%(default)d px)",
    )  # fmt: skip
    sprites.set_defaults(export=_sprites)

    markers = add("markers", "the marks for the editing timeline", "FILE")
    markers.add_argument(
        "--format", choices=FORMATS, help="otio, edl, fcpxml or csv (default: by extension)"
    )
    markers.set_defaults(export=_markers)

    web = add(
        "web", "a static web page to share: scrub bar, stills, GIFs, marks", "DIR", required=False
    )
    web.add_argument(
        "--publish",
        action="store_true",
        help="a Lambda job: put the page in the results bucket and print a link to it "
        "(the buckets stay private; the link is presigned)",
    )
    web.add_argument(
        "--expires", type=_hours, default=DEFAULT_HOURS, metavar="HOURS",
        help=f"how long the link works (%(default)g h; at most {MAX_HOURS} h, 7 days)",
    )  # fmt: skip
    web.add_argument("--stack", help="the stack the job ran on (default: as the job records)")
    web.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    web.add_argument("--region", help="AWS region of the stack (default: the profile's)")
    web.set_defaults(export=_web)
    parser.set_defaults(run=run, command_parser=parser)


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    try:
        return check_hours(hours)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--expires ")) from None


def _range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", required=True, metavar="T", help="range start")
    parser.add_argument("--to", dest="end", required=True, metavar="T", help="range end")


# -- the subcommands ------------------------------------------------------------------------


async def _still(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    at = job.parse_time(args.at, "--at")
    result = await export_still(
        job, at, args.output, full_size=args.full_size, source=args.source, force=args.force,
        on_progress=progress,
    )  # fmt: skip
    size = f"{result.width}x{result.height}"
    return result, f"{result.path}: still at {job.label(result.time)} ({size})"


def _range(job: ExportJob, args: argparse.Namespace) -> tuple[float, float]:
    return job.parse_time(args.start, "--from"), job.parse_time(args.end, "--to")


async def _gif(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    start, end = _range(job, args)
    result = await export_gif(
        job, start, end, args.output, width=args.width, fps=args.fps, max_bytes=args.max_bytes,
        source=args.source, force=args.force, on_progress=progress,
    )  # fmt: skip
    chosen = f"; chose {result.settings.describe()}" if args.max_bytes else ""
    return result, (
        f"{result.path}: {job.label(start)}–{job.label(end)}, {result.bytes} bytes{chosen}"
    )


async def _clip(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    start, end = _range(job, args)
    result = await export_clip(
        job, start, end, args.output, copy=args.copy, source=args.source, force=args.force,
        on_progress=progress,
    )  # fmt: skip
    span = f"{job.label(result.start)}–{job.label(result.end)}"
    if result.copied:
        note = " (snapped to keyframes)" if result.snapped else " (on keyframes)"
        return result, f"{result.path}: copied {span}{note}"
    return result, f"{result.path}: {span}, H.264/AAC"


async def _sheet(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    result = await export_contact_sheet(
        job, args.output, columns=args.columns, every=args.every, count=args.count,
        marks=args.marks, force=args.force, on_progress=progress,
    )  # fmt: skip
    pages = f", {result.pages} pages" if result.pages > 1 else ""
    return result, f"{result.path}: {result.tiles} tiles{pages}"


async def _sprites(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    result = await export_sprites(
        job, args.output, every=args.every, width=args.width, force=args.force,
        on_progress=progress,
    )  # fmt: skip
    return result, (
        f"{result.folder}: {len(result.cues)} thumbnails on {len(result.sheets)} sheets "
        f"and thumbnails.vtt"
    )


async def _markers(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    result = await export_markers(
        job, args.output, args.format, force=args.force, on_progress=progress
    )
    return result, f"{result.path}: {result.marks} marks ({result.format})"


async def _web(job: ExportJob, args: argparse.Namespace, progress) -> tuple[Any, str]:
    if args.output is None and not args.publish:
        raise UsageError("give -o DIR for a folder, or --publish (a Lambda job), or both")
    if not args.publish:
        result = await export_web(job, args.output, force=args.force, on_progress=progress)
        return result, f"{result.folder / 'index.html'}: {result.stills} stills, {result.gifs} GIFs"
    _, recorded_stack = cloud_job_of(job)  # a usage error before any work
    if args.output is not None:
        saved = await export_web(job, args.output, force=args.force)
        print(f"{saved.folder / 'index.html'}: {saved.stills} stills, {saved.gifs} GIFs")
    stack = args.stack or recorded_stack
    if not stack:
        raise UsageError("the job folder does not say which stack ran it: give --stack NAME")
    published, temporary = await in_thread(
        lambda steps: _publish(job, stack, args, steps), progress
    )
    until = published.expires.strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"framefan export web: the link works until {until} ({args.expires:g} h)", file=sys.stderr
    )
    if temporary:
        print(
            "framefan export web: signed with temporary credentials (SSO, an assumed role): "
            "the link stops working when they expire, if that comes first",
            file=sys.stderr,
        )
    result = {
        "url": published.url,
        "key": published.key,
        "expires": published.expires.isoformat(),
        "uploaded": published.uploaded,
        "reused": published.reused,
    }
    return result, published.url


def _publish(job: ExportJob, stack: str, args: argparse.Namespace, steps) -> tuple[Published, bool]:
    """Publish through ``stack`` (blocking); also whether the credentials that signed the
    links are temporary."""
    from ..cloud.aws import make_client, make_session
    from ..cloud.publish import publish_page
    from ..cloud.stack import CloudTarget, describe_stack

    target = CloudTarget(stack, args.profile, args.region)
    session = make_session(target.profile, target.region)
    resources = describe_stack(make_client(session, "cloudformation"), target)
    s3 = make_client(session, "s3", signature_version="s3v4")
    credentials = session.get_credentials()
    temporary = bool(credentials and credentials.get_frozen_credentials().token)
    return publish_page(job, s3, resources.results_bucket, args.expires, steps), temporary


# -- running --------------------------------------------------------------------------------

Export = Callable[[ExportJob, argparse.Namespace, Any], Awaitable[tuple[Any, str]]]


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        print("framefan: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _run(args: argparse.Namespace) -> int:
    prefix = f"framefan export {args.kind}"
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, task.cancel)  # type: ignore[union-attr]
    try:
        job = open_job(args.job)
        with _progress(args.kind, enabled=sys.stderr.isatty() and not args.json) as progress:
            result, line = await args.export(job, args, progress)
    except UsageError as exc:
        print(f"{prefix}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FrameFanError as exc:
        print(f"{prefix}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prefix}: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except asyncio.CancelledError:
        print(f"{prefix}: cancelled; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(json.dumps(_plain(result), ensure_ascii=False) if args.json else line, flush=True)
    return EXIT_OK


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


@contextlib.contextmanager
def _progress(kind: str, *, enabled: bool):
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn(f"export {kind}", style="bold"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(kind, total=1.0)
    with bar:
        yield lambda fraction: bar.update(task, completed=fraction)
