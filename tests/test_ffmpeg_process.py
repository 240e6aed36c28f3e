"""Running ffmpeg (argument lists, progress, timeout, cancellation, pause), finding it, and
the small helpers around progress reporting."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from core.ffmpeg_locator import ENV_VAR, ffmpeg_version, find_ffmpeg
from core.ffmpeg_process import BASE_ARGS, FfmpegResult, ProcessGroup, run_ffmpeg
from core.paths import bundle_dir, is_frozen, resource_path
from core.progress import EASING, EtaClock, ProgressTracker
from core.timefmt import format_clock

from . import systems

ROOT = Path(__file__).resolve().parent.parent


def endless(ffmpeg: str) -> list[str]:
    """An ffmpeg that runs until stopped, reporting progress."""
    return [
        ffmpeg, *BASE_ARGS, "-re", "-f", "lavfi", "-i", "testsrc2=s=64x48:r=25",
        "-f", "null", "-progress", "pipe:1", "-",
    ]  # fmt: skip


async def until(condition: Callable[[], object], what: str, within: float = 30) -> None:
    """Wait for ``condition`` to hold, failing with ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} (waited {within:.0f} s)")
        await asyncio.sleep(0.01)


async def wait_for_child(positions: list[float]) -> psutil.Process:
    """The ffmpeg child, once it reports progress (so run_ffmpeg is past starting it)."""
    await until(lambda: positions and psutil.Process().children(), "ffmpeg did not start")
    return psutil.Process().children()[0]


def stopped(child: psutil.Process) -> bool:
    return child.status() == psutil.STATUS_STOPPED


async def drain() -> None:
    """Let the event loop read what ffmpeg wrote before it stopped: a handful of loop turns,
    however slow the machine, since the data is already in the pipe."""
    for _ in range(20):
        await asyncio.sleep(0)


def test_success_reports_progress(ffmpeg: str) -> None:
    positions: list[float] = []
    args = [ffmpeg, *BASE_ARGS, "-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=3"]
    args += ["-f", "null", "-progress", "pipe:1", "-"]
    result = asyncio.run(run_ffmpeg(args, on_progress=positions.append))
    assert result.ok and result.returncode == 0
    assert positions and positions == sorted(positions)
    assert positions[-1] == pytest.approx(3.0, abs=0.1)


def test_failure_gives_the_telling_line(ffmpeg: str, tmp_path: Path) -> None:
    args = [ffmpeg, *BASE_ARGS, "-i", f"file:{tmp_path}/missing.mp4", "-f", "null", "-"]
    result = asyncio.run(run_ffmpeg(args))
    assert not result.ok
    assert "No such file or directory" in result.last_error()
    assert not result.last_error().startswith("[")


def test_last_error_skips_generic_lines() -> None:
    result = FfmpegResult(
        1,
        [
            "[h264 @ 0x55d] [vist#0:0] decode error: broken slice",
            "Error opening output files: Invalid argument",
            "Conversion failed!",
        ],
    )
    assert result.last_error() == "decode error: broken slice"
    assert FfmpegResult(3, []).last_error() == "ffmpeg exited with status 3"


def test_arguments_are_never_read_by_a_shell(ffmpeg: str, tmp_path: Path) -> None:
    name = "$(touch pwned); `touch pwned` | x & y.png"
    args = [ffmpeg, *BASE_ARGS, "-f", "lavfi", "-i", "color=c=red:s=16x16", "-frames:v", "1"]
    args += ["-update", "1", f"file:{tmp_path}/{name}"]
    assert asyncio.run(run_ffmpeg(args)).ok
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert not Path("pwned").exists()


def test_timeout_stops_the_process(ffmpeg: str) -> None:
    async def main() -> int:
        positions: list[float] = []
        task = asyncio.ensure_future(
            run_ffmpeg(endless(ffmpeg), on_progress=positions.append, timeout=3.0)
        )
        child = await wait_for_child(positions)
        with pytest.raises(TimeoutError):
            await task
        return child.pid

    pid = asyncio.run(main())
    assert not psutil.pid_exists(pid)


def test_repeated_cancellation_still_waits_for_the_process_to_end(ffmpeg: str) -> None:
    """A parent task may cancel its children again while they stop (asyncio.gather does):
    the ffmpeg process must be gone when the task ends, not orphaned."""

    async def main() -> int:
        positions: list[float] = []
        task = asyncio.ensure_future(run_ffmpeg(endless(ffmpeg), on_progress=positions.append))
        child = await wait_for_child(positions)
        while not task.done():  # cancelled again and again while it stops ffmpeg
            task.cancel()
            await asyncio.sleep(0)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not psutil.pid_exists(child.pid)
        return child.pid

    asyncio.run(main())


def test_cancellation_while_starting_still_ends_the_process(ffmpeg: str) -> None:
    async def main() -> None:
        task = asyncio.ensure_future(run_ffmpeg(endless(ffmpeg)))
        await asyncio.sleep(0)  # it has begun to start ffmpeg
        while not task.done():
            task.cancel()
            await asyncio.sleep(0)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert psutil.Process().children() == []

    asyncio.run(main())


@systems.pausing_stops_ffmpeg
def test_group_pauses_and_resumes_its_processes(ffmpeg: str) -> None:
    async def main() -> None:
        group = ProcessGroup()
        positions: list[float] = []
        task = asyncio.ensure_future(
            run_ffmpeg(endless(ffmpeg), on_progress=positions.append, group=group, timeout=30)
        )
        child = await wait_for_child(positions)
        group.pause()
        await until(lambda: stopped(child), "ffmpeg was not stopped")
        await drain()
        seen = len(positions)
        await asyncio.sleep(1.0)  # a running ffmpeg reports twice a second
        assert len(positions) == seen  # a stopped ffmpeg reports nothing
        group.resume()
        await until(lambda: not stopped(child), "ffmpeg was not resumed")
        await until(lambda: len(positions) > seen, "the resumed ffmpeg reported nothing")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not psutil.pid_exists(child.pid)

    asyncio.run(main())


def test_cancelling_a_paused_process_ends_it(ffmpeg: str) -> None:
    async def main() -> None:
        group = ProcessGroup()
        positions: list[float] = []
        task = asyncio.ensure_future(
            run_ffmpeg(endless(ffmpeg), on_progress=positions.append, group=group)
        )
        child = await wait_for_child(positions)
        group.pause()
        await until(lambda: stopped(child), "ffmpeg was not stopped")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not psutil.pid_exists(child.pid)

    asyncio.run(main())


# -- finding ffmpeg ---------------------------------------------------------------------------


def test_find_ffmpeg_returns_a_working_binary() -> None:
    path = find_ffmpeg()
    assert Path(path).is_file()
    assert ffmpeg_version(path) != "unknown"


def test_environment_variable_comes_before_the_packaged_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "my-ffmpeg"
    link.symlink_to(find_ffmpeg())
    monkeypatch.setenv(ENV_VAR, str(link))
    assert find_ffmpeg() == str(link)
    other = tmp_path / "explicit-ffmpeg"
    other.symlink_to(find_ffmpeg())
    assert find_ffmpeg(other) == str(other)  # an explicit path comes first


def test_unusable_candidates_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho not ffmpeg\n")
    fake.chmod(0o755)
    monkeypatch.setenv(ENV_VAR, str(fake))
    found = find_ffmpeg(tmp_path / "does-not-exist")
    assert found not in (str(fake), str(tmp_path / "does-not-exist"))
    assert ffmpeg_version(found) != "unknown"


# -- helpers ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_fraction_and_eta() -> None:
    clock = Clock()
    tracker = ProgressTracker({1: 30.0, 2: 30.0}, already_done=30.0, total=90.0, clock=clock)
    assert tracker.fraction == pytest.approx(1 / 3)
    assert tracker.eta is None  # nothing rendered yet
    clock.now += 10
    tracker.update(1, 0.5)  # 15 s of video in 10 s
    assert tracker.fraction == pytest.approx(0.5)
    assert tracker.eta == pytest.approx(45 * 10 / 15)
    tracker.update(1, 0.2)  # progress never goes back
    assert tracker.fraction == pytest.approx(0.5)
    tracker.update(1, 1.0)
    tracker.update(2, 1.0)
    assert tracker.fraction == 1.0 and tracker.eta == 0.0


def test_progress_excludes_paused_time_and_dropped_snippets() -> None:
    clock = Clock()
    tracker = ProgressTracker({0: 10.0, 1: 10.0}, already_done=0.0, total=20.0, clock=clock)
    clock.now += 5
    tracker.update(0, 1.0)
    tracker.pause()
    clock.now += 1000
    assert tracker.eta == pytest.approx(5.0)  # 10 s left at 2 s of video per second
    tracker.resume()
    assert tracker.eta == pytest.approx(5.0)
    tracker.drop(1)
    assert tracker.eta == 0.0
    assert tracker.fraction == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (75.4, "1:15"), (59.6, "1:00"), (3725, "1:02:05"), (-3, "0:00")],
)
def test_format_clock(seconds: float, text: str) -> None:
    assert format_clock(seconds) == text


def test_shipped_files_are_found_beside_the_packages() -> None:
    assert not is_frozen()
    assert bundle_dir() == ROOT
    assert resource_path("icon.png") == ROOT / "resources" / "icon.png"
    assert os.path.isdir(bundle_dir() / "core")


def test_the_time_left_waits_for_a_measured_speed() -> None:
    clock = Clock()
    tracker = ProgressTracker({0: 30.0}, already_done=0.0, total=30.0, clock=clock)
    clock.now += 1.0
    tracker.update(0, 0.1)
    assert tracker.eta is None  # one second of work: "estimating…"
    clock.now += 1.0
    tracker.update(0, 0.2)
    assert tracker.eta == pytest.approx(24 * 2 / 6)


def test_the_time_shown_counts_down_and_eases_toward_new_estimates() -> None:
    clock = Clock()
    shown = EtaClock(clock)
    assert shown.left() is None
    shown.set(100.0)
    clock.now += 10
    assert shown.left() == pytest.approx(90.0)  # between estimates, it runs down
    shown.set(60.0)  # an estimate far from what is shown moves it part of the way
    assert shown.left() == pytest.approx(90.0 + EASING * (60.0 - 90.0))
    for _ in range(20):
        shown.set(60.0)
    assert shown.left() == pytest.approx(60.0, abs=0.1)
    clock.now += 1000
    assert shown.left() == 0.0  # never below zero
    shown.set(None)  # paused, or finished: nothing shown
    assert shown.left() is None
