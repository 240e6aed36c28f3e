"""``framefan estimate``: how long each video takes here and on AWS, and what AWS costs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from ..errors import FrameFanError
from ..estimate.job import capacity_from_stack, estimate_input
from ..estimate.model import CloudCapacity, Estimate
from ..runner import default_workers
from ..timefmt import format_clock
from .process_cmd import AUTO, UPLOAD_MODES, add_setting_options, settings_from_args

EXIT_OK, EXIT_FAILED = 0, 1


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "estimate",
        help="estimate the time here and on AWS, and the AWS cost, of processing videos",
        description=(
            "For each VIDEO: the time to process it on this machine (from a short calibration "
            "render of the video, cached per machine), the time on AWS Lambda (upload at your "
            "uplink, start, render at the stack's concurrency), the time of both at once, and "
            "what AWS charges for it."
        ),
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEO", help="video files to estimate")
    parser.add_argument(
        "--uplink-mbps",
        type=float,
        default=None,
        metavar="N",
        help="upload speed in Mbit/s (default: the last one measured while uploading)",
    )
    parser.add_argument(
        "--upload-limit-mbps",
        type=float,
        default=None,
        metavar="N",
        help="the upload rate limit you will process with (framefan process --upload-limit-mbps)",
    )
    parser.add_argument(
        "--upload",
        choices=list(UPLOAD_MODES),
        default=AUTO,
        help="how the video would be sent (framefan process --upload; %(default)s)",
    )
    parser.add_argument("--stack", help="read the render capacity from this deployed stack")
    parser.add_argument("--profile", help="AWS profile (with --stack)")
    parser.add_argument("--region", help="AWS region (with --stack)")
    parser.add_argument(
        "--concurrency", type=int, default=None, metavar="N", help="renders at once on AWS"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="snippets rendered at once here (default: CPU count, %(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_setting_options(parser)
    parser.set_defaults(run=run, command_parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = settings_from_args(args)
    except FrameFanError as exc:
        parser.error(str(exc))
    for option in ("uplink_mbps", "upload_limit_mbps"):
        value = getattr(args, option)
        if value is not None and not value > 0:
            parser.error(f"--{option.replace('_', '-')} must be more than 0")
    if args.workers < 1 or (args.concurrency is not None and args.concurrency < 1):
        parser.error("--workers and --concurrency must be at least 1")
    try:
        capacity = _capacity(args)
    except FrameFanError as exc:
        print(f"framefan: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return asyncio.run(_estimate(args, settings, capacity))


def _capacity(args: argparse.Namespace) -> CloudCapacity:
    resources = None
    if args.stack:
        from ..cloud.aws import explain
        from ..cloud.stack import CloudTarget, connect

        try:
            resources = connect(CloudTarget(args.stack, args.profile, args.region)).resources
        except FrameFanError:
            raise
        except Exception as exc:
            raise explain(exc, f"reading stack {args.stack!r}", args.profile) from None
    return capacity_from_stack(resources, args.concurrency)


async def _estimate(args: argparse.Namespace, settings, capacity: CloudCapacity) -> int:
    estimates: list[Estimate] = []
    errors: list[dict[str, str]] = []
    for video in args.videos:
        try:
            estimates.append(
                await estimate_input(
                    video,
                    settings,
                    workers=args.workers,
                    capacity=capacity,
                    uplink_mbps=args.uplink_mbps,
                    upload_limit_mbps=args.upload_limit_mbps,
                    upload=args.upload,
                )
            )
        except FrameFanError as exc:
            errors.append({"input": video, "error": str(exc)})
            if not args.json:
                print(f"framefan: {exc}", file=sys.stderr)
    if args.json:
        print(json.dumps(_document(estimates, errors, capacity), indent=1))
    elif estimates:
        print(_table(estimates, capacity))
    return EXIT_OK if not errors else EXIT_FAILED


def _totals(estimates: list[Estimate]) -> dict[str, float]:
    return {
        "local_seconds": round(sum(e.local_seconds for e in estimates), 2),
        # Uploads share the uplink: they add up; renders overlap, so the total is bounded
        # by the uploads and the longest of the rest.
        "cloud_seconds": round(
            sum(e.cloud_parts["upload"] for e in estimates)
            + max((e.cloud_seconds - e.cloud_parts["upload"] for e in estimates), default=0.0),
            2,
        ),
        "cost_usd": round(sum(e.cost_usd for e in estimates), 5),
    }


def _document(
    estimates: list[Estimate], errors: list[dict[str, str]], capacity: CloudCapacity
) -> dict[str, Any]:
    prices = estimates[0].prices if estimates else None
    return {
        "inputs": [e.to_dict() for e in estimates],
        "errors": errors,
        "total": _totals(estimates),
        "capacity": {
            "concurrency": capacity.concurrency,
            "concurrency_assumed": capacity.concurrency_assumed,
            "memory_mb": capacity.memory_mb,
        },
        "prices": {"region": prices.region, "date": prices.date} if prices else None,
    }


_BEST = {"lambda": "AWS", "local": "local", "hybrid": "both"}


def _table(estimates: list[Estimate], capacity: CloudCapacity) -> str:
    lines = [
        f"{'video':28} {'length':>8} {'local':>8} {'AWS':>8} {'both':>8} {'AWS cost':>9}  fastest"
    ]
    for e in estimates:
        name = e.name if len(e.name) <= 28 else e.name[:27] + "…"
        both = format_clock(e.hybrid_seconds) if e.hybrid_seconds is not None else "–"
        lines.append(
            f"{name:28} {format_clock(e.duration):>8} {format_clock(e.local_seconds):>8} "
            f"{format_clock(e.cloud_seconds):>8} {both:>8} "
            f"{'$' + format(e.cost_usd, '.3f'):>9}  {_BEST[e.best]}"
        )
    total = _totals(estimates)
    lines.append(
        f"{'total':28} {'':>8} {format_clock(total['local_seconds']):>8} "
        f"{format_clock(total['cloud_seconds']):>8} {'':>8} "
        f"{'$' + format(total['cost_usd'], '.3f'):>9}"
    )
    first = estimates[0]
    parts = ", ".join(f"{k} {format_clock(v)}" for k, v in first.cloud_parts.items())
    costs = ", ".join(f"{k.replace('_', ' ')} ${v:.4f}" for k, v in first.cost_parts.items())
    uplink = {
        "assumed": "assumed; set --uplink-mbps",
        "limit": "the upload limit",
    }.get(first.uplink_source, first.uplink_source)
    sent = (
        "as segments, each rendered as it arrives"
        if first.upload_mode == "segments"
        else "as a whole file"
    )
    concurrency = " (assumed; set --concurrency)" if capacity.concurrency_assumed else ""
    lines += [
        "",
        f"AWS time of {first.name} (sent {sent}): {parts}; first preview after "
        f"{format_clock(first.first_preview_seconds)}",
        f"AWS cost of {first.name}: {costs}",
        f"uplink {first.uplink_mbps:g} Mbit/s ({uplink}); {capacity.concurrency} renders at "
        f"once{concurrency}, {capacity.memory_mb} MB each",
        f"prices: AWS list prices, {first.prices.region}, {first.prices.date}",
    ]
    return "\n".join(lines)
