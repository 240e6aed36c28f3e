"""The first minute: how soon a job shows pictures, with the overview pass and without.

Generates (once, cached in .bench-cache/) a 10-minute 1280x720 30 fps H.264 clip with a
keyframe every 2 s, then runs ``framefan process`` on it as a user would (a new process:
interpreter start, probe and all), alternately with the overview pass and with
``--no-overview``, and watches the job folder (every 10 ms) for:

  first picture    the first overview picture (with the overview) / the first still
                   (without: what a job showed first before the overview existed);
  overview done    the last overview picture, against the job's total time;
  total            the whole command, with the overview against without;
  CPU              the CPU time of the command and its ffmpegs, likewise.

Rounds alternate which of the two goes first, and the ratio of the totals is given both as
best against best and as the median of each round's own ratio: on a shared or virtual
machine the same job's time varies by 10 % from run to run, more than the overview costs.

Targets: first picture <= 2 s after the command starts; overview done <= 20 % of the total;
total with the overview <= 1.10 x without. The load average is printed: the figures are
only comparable on a machine doing nothing else.

usage: python bench/first_preview.py [--minutes 10] [--repeat 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.local_throughput import framefan_command, load_average, machine, make_clip  # noqa: E402
from core.ffmpeg_locator import ffmpeg_version, find_ffmpeg  # noqa: E402
from core.layout import FRAMES_DIR, OVERVIEW_DIR, job_dir_for  # noqa: E402
from core.manifest import Manifest  # noqa: E402
from core.runner import default_workers  # noqa: E402


@dataclass
class Run:
    total: float
    cpu: float
    first_overview: float | None
    overview_done: float | None
    first_still: float | None
    pictures: int


class Watcher:
    """Notes when files first appear in the job's overview and frames folders."""

    def __init__(self, job: Path, began: float) -> None:
        self.job = job
        self.began = began
        self.seen: dict[str, dict[str, float]] = {OVERVIEW_DIR: {}, FRAMES_DIR: {}}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._look()
            time.sleep(0.01)
        self._look()

    def _look(self) -> None:
        now = time.perf_counter() - self.began
        for folder, seen in self.seen.items():
            try:
                names = [e.name for e in os.scandir(self.job / folder) if e.name.endswith(".jpg")]
            except OSError:
                continue
            for name in names:
                seen.setdefault(name, now)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_once(clip: Path, workers: int, overview: bool) -> Run:
    out = Path(tempfile.mkdtemp(prefix="framefan-first-"))
    job = job_dir_for(out, clip)
    command = [*framefan_command(), "process", "--out", str(out)]
    command += ["--workers", str(workers), "--json", str(clip)]
    if not overview:
        command.append("--no-overview")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    watcher = Watcher(job, began)
    try:
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        total = time.perf_counter() - began
    finally:
        watcher.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    manifest = Manifest.load(job)
    seen = watcher.seen
    listed = [Path(p.path).name for p in manifest.overview]
    pictures = [seen[OVERVIEW_DIR][n] for n in listed if n in seen[OVERVIEW_DIR]]
    stills = seen[FRAMES_DIR].values()
    subprocess.run(["rm", "-rf", str(out)], check=False)
    return Run(
        total=total,
        cpu=cpu,
        first_overview=min(pictures) if pictures else None,
        overview_done=max(pictures) if pictures else None,
        first_still=min(stills) if stills else None,
        pictures=len(listed),
    )


def seconds(value: float | None) -> str:
    return f"{value:6.2f} s" if value is not None else "     –  "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best is kept")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()

    ffmpeg = find_ffmpeg()
    clip = make_clip(ffmpeg, args.minutes, gop_seconds=2)
    print(f"machine: {machine()}")
    print(f"ffmpeg {ffmpeg_version(ffmpeg)}; clip {clip.name}; workers {args.workers}")
    loads = [load_average()]
    with_overview: list[Run] = []
    without: list[Run] = []
    for n in range(args.repeat):  # alternately, so that other work weighs on both alike
        for overview in (True, False) if n % 2 == 0 else (False, True):
            runs = with_overview if overview else without
            runs.append(run_once(clip, args.workers, overview=overview))
        loads.append(load_average())
        a, b = with_overview[-1], without[-1]
        print(
            f"run {n + 1}: with overview: first picture {seconds(a.first_overview)}, "
            f"overview done {seconds(a.overview_done)} ({a.pictures} pictures), first still "
            f"{seconds(a.first_still)}, total {seconds(a.total)}; without: first still "
            f"{seconds(b.first_still)}, total {seconds(b.total)}; CPU {a.cpu:.1f} s against "
            f"{b.cpu:.1f} s; load {loads[-1]}"
        )
    first = min(r.first_overview or float("inf") for r in with_overview)
    done = min(r.overview_done or float("inf") for r in with_overview)
    total_with = min(r.total for r in with_overview)
    total_without = min(r.total for r in without)
    first_still_without = min(r.first_still or float("inf") for r in without)
    share = max((r.overview_done or r.total) / r.total for r in with_overview)
    print()
    print(f"best of {args.repeat}:")
    print(f"first picture, with the overview     {first:6.2f} s   (target <= 2 s)")
    print(f"  reference: first still without it {first_still_without:6.2f} s")
    print(f"overview done                        {done:6.2f} s")
    print(
        f"  share of the total, worst run      {share:6.1%}    (target <= 20 %; total "
        f"{total_with:.2f} s)"
    )
    print(f"total with the overview              {total_with:6.2f} s")
    print(f"  reference: total without it        {total_without:6.2f} s")
    print(
        f"  ratio, best against best           {total_with / total_without:6.3f}   (target <= 1.10)"
    )
    rounds = zip(with_overview, without, strict=True)
    paired = statistics.median(a.total / b.total for a, b in rounds)
    print(f"  ratio, median of the rounds'       {paired:6.3f}   (target <= 1.10)")
    cpu = sum(r.cpu for r in with_overview) / sum(r.cpu for r in without)
    print(f"CPU time, with against without       {cpu:6.3f}")
    print(f"load average during the runs: {', '.join(loads)}")


if __name__ == "__main__":
    main()
