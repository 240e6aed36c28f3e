"""Child processes (ffmpeg) that die with FrameFan, even when it is killed outright.

FrameFan starts ffmpeg in its own session, so that a Ctrl-C in the terminal reaches FrameFan
only and it stops its children itself. When FrameFan cannot do that (``kill -9``, a crash,
the power button of a task manager), its children must not go on rendering into the job
folder. Each system has its own way to tie a child's life to its parent's:

* **Linux**: ``PR_SET_PDEATHSIG`` (SIGKILL), set with ``prctl`` in the child between fork
  and exec (``preexec_fn``). ``preexec_fn`` is unsafe in a threaded program only for code
  that takes locks another thread may hold at fork time; this one calls two C functions
  (``prctl``, ``getppid``) resolved before the fork and takes no Python-level lock. The
  signal follows the death of the *thread* that started the child: FrameFan starts ffmpeg
  from its event loop's thread, which lives as long as the work it waits for. A parent dead
  before ``prctl`` ran is caught by comparing ``getppid()``.
* **Windows**: every child is put in one Job Object created with
  ``JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE``; the system closes FrameFan's handle to it when
  FrameFan ends, however it ends, and that ends every process in the job.
* **macOS and other POSIX systems**: a watchdog process (``python -m
  core.platform.watchdog``, or ``FrameFan --watchdog`` in the installed app) reads the pids
  of running children from a pipe; when the pipe closes because FrameFan has died, it kills
  the children still registered.

Every variant is chosen by an explicit ``platform`` argument, so all of them that can run
here are tested here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..paths import is_frozen

_PR_SET_PDEATHSIG = 1


class ChildGuard:
    """What the system needs to tie a child to this process: options for starting it, and
    a word once it has started and once it has been reaped."""

    def spawn_options(self) -> dict[str, Any]:
        return {}

    def adopt(self, pid: int) -> None:
        """A child has started."""

    def release(self, pid: int) -> None:
        """A child has ended and been reaped."""

    def close(self) -> None:
        """Stop guarding (children still running are no longer tied)."""


class LinuxGuard(ChildGuard):
    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        prctl.restype = ctypes.c_int
        self._prctl = prctl

    def spawn_options(self) -> dict[str, Any]:
        return {"preexec_fn": self._preexec(os.getpid())}

    def _preexec(self, parent: int) -> Callable[[], None]:
        prctl, getppid, kill, getpid = self._prctl, os.getppid, os.kill, os.getpid

        def die_with_parent() -> None:  # runs in the child, between fork and exec
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0)
            if getppid() != parent:  # the parent died before prctl took effect
                kill(getpid(), signal.SIGKILL)

        return die_with_parent


class WindowsGuard(ChildGuard):
    def __init__(self) -> None:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        self._kernel32 = kernel32
        job = kernel32.CreateJobObjectW(None, None)
        if not job:
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
        info = JobObjectExtendedLimitInformation()
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        ok = kernel32.SetInformationJobObject(
            job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), ctypes.sizeof(info)
        )
        if not ok:
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
        self._job = job  # never closed: the system closes it, ending the children, with us

    def adopt(self, pid: int) -> None:
        kernel32 = self._kernel32
        handle = kernel32.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, False, pid)
        if not handle:
            return  # it has already exited
        try:
            kernel32.AssignProcessToJobObject(self._job, handle)
        finally:
            kernel32.CloseHandle(handle)


class WatchdogGuard(ChildGuard):
    """Children registered with a watchdog process that outlives us only to kill them."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or watchdog_command()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def watchdog_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def adopt(self, pid: int) -> None:
        self._send(f"+{pid}\n")

    def release(self, pid: int) -> None:
        self._send(f"-{pid}\n")

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.write(b"=\n")  # a clean end: nothing to kill
                proc.stdin.close()
            proc.wait()

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(
                    self._command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a Ctrl-C for us must not end it first
                )
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(line.encode("ascii"))
                self._proc.stdin.flush()
            except OSError:
                self._proc = None  # it died: the next child starts a new one


def watchdog_command() -> list[str]:
    if is_frozen():
        return [sys.executable, "--watchdog"]
    return [sys.executable, "-m", "core.platform.watchdog"]


def make_guard(platform: str = sys.platform) -> ChildGuard:
    """A new guard for ``platform``'s way of tying children to their parent."""
    if platform.startswith("linux"):
        return LinuxGuard()
    if platform == "win32":
        return WindowsGuard()
    return WatchdogGuard()


_current: ChildGuard | None = None
_current_lock = threading.Lock()


def current() -> ChildGuard:
    """This process's guard, made on first use."""
    global _current
    with _current_lock:
        if _current is None:
            _current = make_guard()
        return _current


# -- Windows Job Object declarations (ctypes; their layout is checked by the tests) --------

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9  # JOBOBJECTINFOCLASS
PROCESS_TERMINATE = 0x0001
PROCESS_SET_QUOTA = 0x0100


class _BasicLimitInformation(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _IoCounters(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in (
            "ReadOperationCount",
            "WriteOperationCount",
            "OtherOperationCount",
            "ReadTransferCount",
            "WriteTransferCount",
            "OtherTransferCount",
        )
    ]


class JobObjectExtendedLimitInformation(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimitInformation),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]
