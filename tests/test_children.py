"""Child processes die with their parent, however it dies: each way of tying them that can
run here (Linux's parent-death signal; the watchdog used on macOS, which runs on any POSIX
system) is tested with a parent killed by SIGKILL. The Windows Job Object's declarations
are checked against the system's layout."""

from __future__ import annotations

import ctypes
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from core.platform import children, memory, watchdog

ROOT = Path(__file__).resolve().parent.parent

# A parent that starts a long ffmpeg with the guard of the given platform, says its pid, and
# waits to be killed.
PARENT = """
import subprocess, sys, time
from core.platform import children
from core.ffmpeg_locator import find_ffmpeg
guard = children.make_guard(sys.argv[1])
child = subprocess.Popen(
    [find_ffmpeg(), "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
     "-i", "testsrc2=s=64x48:r=5", "-f", "null", "-"],
    start_new_session=True, **guard.spawn_options(),
)
guard.adopt(child.pid)
print(child.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX variants")
@pytest.mark.parametrize(
    "platform",
    [
        pytest.param(
            "linux",
            marks=pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only"),
        ),
        "darwin",  # the watchdog: any POSIX system can run it
    ],
)
def test_a_child_dies_within_two_seconds_of_its_parent_being_killed(platform: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, platform],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    watchdogs = [
        p for p in psutil.Process(parent.pid).children() if "watchdog" in " ".join(p.cmdline())
    ]
    try:
        assert alive(child)
        parent.kill()
        parent.wait()
        killed = time.monotonic()
        while alive(child) and time.monotonic() - killed < 2:
            time.sleep(0.05)
        assert not alive(child), f"the child outlived its parent ({platform})"
        for dog in watchdogs:  # its work done, the watchdog ends too
            dog.wait(5)
    finally:
        parent.stdout.close()
        for pid in [child, *(d.pid for d in watchdogs)]:
            if alive(pid):
                os.kill(pid, 9)


def test_the_watchdog_kills_what_is_registered_and_nothing_after_a_clean_end() -> None:
    assert watchdog.watch(io.BytesIO(b"+10\n+11\n-10\n+12\nnoise\n")) == [11, 12]
    assert watchdog.watch(io.BytesIO(b"+10\n=\n")) == []


def test_a_clean_close_of_the_watchdog_guard_kills_nothing() -> None:
    guard = children.WatchdogGuard()
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        guard.adopt(sleeper.pid)
        guard.close()
        time.sleep(0.2)
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_each_platform_has_its_guard() -> None:
    assert isinstance(children.make_guard("darwin"), children.WatchdogGuard)
    if sys.platform.startswith("linux"):
        guard = children.make_guard("linux")
        assert isinstance(guard, children.LinuxGuard)
        assert callable(guard.spawn_options()["preexec_fn"])


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="64-bit layout")
def test_the_job_object_declarations_have_the_windows_layout() -> None:
    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes on 64-bit Windows (winnt.h).
    assert ctypes.sizeof(children.JobObjectExtendedLimitInformation) == 144
    assert ctypes.sizeof(memory._MemoryStatusEx) == 64  # MEMORYSTATUSEX


def test_available_memory_is_read_from_the_system() -> None:
    meminfo = "MemTotal:       24684360 kB\nMemFree:  1 kB\nMemAvailable:   24222044 kB\n"
    assert memory._linux_available(meminfo) == 24222044 * 1024
    assert memory._linux_available("MemTotal: 5 kB\n") is None
    available = memory.available_memory()
    assert available is None or available > 0
