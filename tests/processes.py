"""Processes of the test run: the leak guard's view of every process a test started,
however far it got from us, and a child that reads files as a plain user would.

A grandchild whose parent exits is normally reparented to init and so escapes a look at our
descendants (``sh -c "sleep 30 & exit 0"`` leaves ``sleep`` behind unseen). On Linux the
test process becomes a child subreaper, so such orphans are reparented to it instead and
stay in view; the guard then fails the test, kills them and reaps them. Orphans that ended
on their own stay zombies until the run ends: collecting them here could take an exit
status asyncio's child watcher is about to wait for.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

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
