"""The process leak guard sees what a test leaves behind, orphans included."""

from __future__ import annotations

import os
import subprocess

import psutil

from . import processes, systems


@systems.only_on(systems.LINUX, reason="child subreapers are a Linux feature")
def test_an_orphaned_grandchild_comes_back_to_the_guard() -> None:
    started = subprocess.run(
        ["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    orphan = psutil.Process(int(started.stdout))
    try:
        assert orphan.ppid() == os.getpid()  # its parent, the shell, has exited
        assert orphan.pid in [p.pid for p in processes.running_descendants()]
    finally:
        processes.kill([orphan])
        processes.reap_orphans()
    assert not psutil.pid_exists(orphan.pid)  # killed and reaped, no zombie left
