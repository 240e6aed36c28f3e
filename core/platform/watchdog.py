"""The watchdog that ends FrameFan's children once FrameFan has died (see
:mod:`core.platform.children`; used where the system has no simpler way).

It reads lines from standard input: ``+PID`` registers a running child, ``-PID`` forgets
one that has ended, ``=`` ends the watch with nothing to do. The end of input without ``=``
means FrameFan has died (the system closed its end of the pipe): every child still
registered is killed, with its process group (each child leads its own session).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import BinaryIO


def watch(stream: BinaryIO) -> list[int]:
    """Read registrations until the end of ``stream``; returns the pids to kill."""
    alive: set[int] = set()
    for raw in stream:
        line = raw.strip()
        if line == b"=":
            return []
        if line[:1] in (b"+", b"-") and line[1:].isdigit():
            pid = int(line[1:])
            if line[:1] == b"+":
                alive.add(pid)
            else:
                alive.discard(pid)
    return sorted(alive)


def kill(pids: list[int]) -> None:
    for pid in pids:
        killpg = getattr(os, "killpg", None)
        with contextlib.suppress(OSError):
            if killpg is not None:
                killpg(pid, signal.SIGKILL)
                continue
        with contextlib.suppress(OSError):
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


def main() -> int:
    for name in ("SIGINT", "SIGHUP", "SIGTERM"):  # only the end of the pipe ends the watch
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
    kill(watch(sys.stdin.buffer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
