"""Bytes of manifest written over a long job: FrameFan's batched writes against the
reference, rewriting the whole manifest after every snippet (what FrameFan did before),
replayed on the same plan in the same run.

A 10-hour video in 30 s snippets (1,200 of them) finishes its snippets one after another,
``--every`` seconds apart (a machine rendering one 30 s snippet every 0.5 s is a fast one).
At each step the reference writes the manifest as FrameFan wrote it then (``json.dumps``
with ``indent=1``, every still on four lines); FrameFan writes it as it does now (one line
per still) when its save policy (``core.manifest_writer.SavePolicy``) says so, and once at
the end. FrameFan's writes are real (``write_atomic`` into a scratch folder, fsync
included), so the policy sees their true duration; the reference's sizes are computed, not
written (they add up to gigabytes), at sampled steps: a manifest's size grows linearly with
the snippets done, so the sums between samples are exact to a few bytes.

usage: python bench/manifest_writes.py [--hours 1 10] [--interval 1 0.36] [--every 0.5 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.manifest import DONE, Manifest, SourceInfo  # noqa: E402
from core.manifest_writer import SavePolicy  # noqa: E402
from core.settings import Settings  # noqa: E402

SAMPLES = 40


def plan(hours: float, interval: float) -> Manifest:
    source = SourceInfo(
        name="interview.mov",
        duration=hours * 3600,
        width=1920,
        height=1080,
        rotation=0,
        codec="h264",
        format="mov,mp4,m4a,3gp,3g2,mj2",
        fps=25.0,
        fingerprint="7340032000-1795760489638852455",
        path="/Users/ana/Footage/interview.mov",
    )
    return Manifest.planned("interview-3f2a9c01d4", source, Settings(frame_interval=interval))


def finish(manifest: Manifest, count: int) -> None:
    """Mark the first ``count`` snippets done, as the runner does."""
    for record in manifest.snippets[:count]:
        record.status, record.gif, record.seconds = DONE, f"gifs/{record.index:05d}.gif", 2.5
    manifest.refresh_frames()


def reference_bytes(manifest: Manifest) -> int:
    """Bytes written by rewriting the manifest (earlier format) after every snippet."""
    total = len(manifest.snippets)
    steps = sorted({round(total * i / SAMPLES) for i in range(1, SAMPLES + 1)} | {1})
    sizes = {}
    for step in steps:
        finish(manifest, step)
        data = manifest.to_dict()
        del data["minor"]
        sizes[step] = len((json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())
    written = 0
    for low, high in itertools.pairwise(steps):
        written += sizes[low] if low == steps[0] else 0
        for step in range(low + 1, high + 1):  # linear between samples
            written += round(sizes[low] + (sizes[high] - sizes[low]) * (step - low) / (high - low))
    return written


def framefan_writes(manifest: Manifest, every: float, folder: Path) -> tuple[int, int, float]:
    """(bytes, writes, seconds spent writing) with the save policy, on a simulated clock
    whose writes take their real time."""
    policy = SavePolicy()
    total = len(manifest.snippets)
    written = writes = 0
    busy = 0.0
    pending = False

    def write(now: float, done: int) -> None:
        nonlocal written, writes, busy
        finish(manifest, done)
        began = time.perf_counter()
        path = manifest.save(folder)
        took = time.perf_counter() - began
        size = path.stat().st_size
        written += size
        writes += 1
        busy += took
        policy.written(now, took, size)

    write(0.0, 0)  # the start: at once
    for done in range(1, total + 1):
        now = done * every
        if pending and policy.next_due <= now:
            write(policy.next_due, done - 1)
            pending = False
        if policy.wait(now) == 0:
            write(now, done)
        else:
            pending = True
    write(total * every, total)  # the end: at once
    return written, writes, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--interval", type=float, nargs="+", default=[1.0, 0.36])
    parser.add_argument("--every", type=float, nargs="+", default=[0.5, 5.0])
    args = parser.parse_args()
    print(f"# {platform.platform()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="framefan-bench-") as scratch:
        for hours in args.hours:
            for interval in args.interval:
                manifest = plan(hours, interval)
                snippets = len(manifest.snippets)
                finish(manifest, snippets)
                stills = len(manifest.frames)
                reference = reference_bytes(plan(hours, interval))
                for every in args.every:
                    written, writes, busy = framefan_writes(
                        plan(hours, interval), every, Path(scratch)
                    )
                    print(
                        f"{hours:g} h, still every {interval:g} s ({snippets} snippets, "
                        f"{stills} stills), a snippet every {every:g} s: reference "
                        f"{reference / 1e6:,.1f} MB in {snippets} writes "
                        f"({reference / snippets / 1e3:,.0f} kB a snippet); FrameFan "
                        f"{written / 1e6:,.1f} MB in {writes} writes "
                        f"({written / snippets / 1e3:,.0f} kB a snippet, {busy:.1f} s "
                        f"writing); ratio {reference / written:.1f}"
                    )


if __name__ == "__main__":
    main()
