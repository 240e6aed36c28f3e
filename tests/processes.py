"""Processes of the test run: the leak guard's view of every process a test started,
however far it got from us, and a child that reads files as a plain user would.

A grandchild whose parent exits is normally reparented to init and so escapes a look at our
descendants (``sh -c "sleep 30 & exit 0"`` leaves ``sleep`` behind unseen). On Linux the
test process becomes a child subreaper, so such orphans are reparented to it instead and
stay in view; the guard then fails the test, kills them and reaps them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import multiprocessing.popen_fork
import os
import subprocess
import sys
import warnings

import psutil

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # <linux/capability.h>


def become_subreaper() -> None:
    """Have orphaned descendants reparented to this process (Linux; elsewhere, nothing)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(errno)}")


def as_plain_user() -> None:
    """(a ``preexec_fn``) Let a file's mode decide what the program may read, even when the
    tests run as root: on Linux, root gives up the capabilities that override it (dropped
    from the bounding set, they are gone once the program is executed)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def running_descendants() -> list[psutil.Process]:
    """Every process below this one that still runs (zombies have ended)."""
    found = []
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(processes, timeout=10)


def reap_orphans() -> None:
    """Collect the exit status of ended orphans reparented to us: nobody else will, and a
    zombie would show up among our children in later tests. Children some object here
    still owns (a ``Popen`` not yet waited for) are left to it."""
    zombies = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if child.status() == psutil.STATUS_ZOMBIE:
                zombies.append(child.pid)
    if not zombies:
        return
    owners = (subprocess.Popen, multiprocessing.popen_fork.Popen)
    # asyncio waits for its subprocesses in threads of its own, which may not have run yet
    # (its child watchers are deprecated from Python 3.12, and gone in 3.14).
    waiting: set[int] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        get_watcher = getattr(asyncio, "get_child_watcher", None)
        if get_watcher is not None:
            waiting = set(getattr(get_watcher(), "_threads", {}))
    # type(), not isinstance(): the latter raises on a weak proxy whose object is gone.
    owned = {getattr(o, "pid", None) for o in gc.get_objects() if issubclass(type(o), owners)}
    for pid in zombies:
        if pid not in owned and pid not in waiting:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
