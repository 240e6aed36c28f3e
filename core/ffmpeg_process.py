"""Running one ffmpeg process: argument list in, exit status and log out.

ffmpeg always runs from an argument list (never a shell), without stdin, in its own process
group, with its ``-progress`` output parsed into a callback. Cancelling the awaiting task or
hitting the timeout terminates the process and waits for it, so no child outlives its caller;
and every child is tied to FrameFan's life (:mod:`core.platform.children`), so none outlives
FrameFan either, even when it is killed outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .platform import children

# ffmpeg arguments every invocation starts with: no banner, no interactive keys, no stats
# lines on stderr (progress comes from -progress on stdout instead).
BASE_ARGS = ("-hide_banner", "-nostdin", "-nostats")

# Closing lines that repeat a failure without its reason ("Error opening input file x.",
# "Error opening input files: …"); "Error opening input: <reason>" is kept.
_GENERIC_ERRORS = (
    "Error opening input file",
    "Error opening output file",
    "Conversion failed",
    "Exiting",
)

T = TypeVar("T")

_STDERR_HEAD = 400
_STDERR_TAIL = 200
_TERMINATE_GRACE = 3.0


@dataclass(frozen=True)
class FfmpegResult:
    returncode: int
    stderr: list[str]

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def last_error(self) -> str:
        """The most telling ffmpeg log line, without the ``[component @ 0x...]`` prefix."""
        for line in reversed(self.stderr):
            text = _strip_component(line).strip()
            if text and not text.startswith(_GENERIC_ERRORS):
                return text
        return f"ffmpeg exited with status {self.returncode}"


def _strip_component(line: str) -> str:
    while line.startswith("["):
        end = line.find("] ")
        if end < 0:
            break
        line = line[end + 2 :]
    return line


class ProcessGroup:
    """The ffmpeg processes of one job, so they can be paused and resumed together.

    ``inherit_fds`` are descriptors its processes keep open while they run (the job
    folder's lock, so that the folder stays locked until they are gone). Its clock
    (:meth:`active_time`) stops while it is paused, so that time limits count work only.
    """

    def __init__(self) -> None:
        self._procs: set[asyncio.subprocess.Process] = set()
        self.paused = False
        self.inherit_fds: tuple[int, ...] = ()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def active_time(self) -> float:
        """Seconds on a clock that does not run while the group is paused."""
        now = time.monotonic()
        held = now - self._paused_at if self._paused_at is not None else 0.0
        return now - self._paused_total - held

    def add(self, proc: asyncio.subprocess.Process) -> None:
        self._procs.add(proc)
        if self.paused:
            _signal(proc, "SIGSTOP")

    def discard(self, proc: asyncio.subprocess.Process) -> None:
        self._procs.discard(proc)

    def pause(self) -> None:
        """Suspend running processes (POSIX); on other systems they run to completion."""
        self.paused = True
        if self._paused_at is None:
            self._paused_at = time.monotonic()
        for proc in self._procs:
            _signal(proc, "SIGSTOP")

    def resume(self) -> None:
        self.paused = False
        if self._paused_at is not None:
            self._paused_total += time.monotonic() - self._paused_at
            self._paused_at = None
        for proc in self._procs:
            _signal(proc, "SIGCONT")


def _signal(proc: asyncio.subprocess.Process, name: str) -> None:
    sig = getattr(signal, name, None)
    if sig is None or proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


def _spawn_options(inherit_fds: tuple[int, ...]) -> dict[str, object]:
    options = children.current().spawn_options()
    if sys.platform == "win32":
        flags = subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP
        return {**options, "creationflags": flags}
    # Own session: a Ctrl-C in the terminal reaches FrameFan only, which then stops its
    # children itself instead of ffmpeg dying half-way through writing a file.
    return {**options, "start_new_session": True, "pass_fds": inherit_fds}


async def _terminate(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    _signal(proc, "SIGCONT")  # a paused process only acts on SIGTERM once continued
    try:
        await asyncio.wait_for(proc.wait(), _TERMINATE_GRACE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def _drain(proc: asyncio.subprocess.Process) -> None:
    """Read what is left of an exited process's pipes: their end closes its transport (its
    readers may have been cancelled before, leaving the pipes open past the loop's end)."""
    pipes = [p.read() for p in (proc.stdout, proc.stderr) if p is not None]
    with contextlib.suppress(TimeoutError, OSError, ValueError):
        await asyncio.wait_for(asyncio.gather(*pipes), _TERMINATE_GRACE)


async def _through_cancellation(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` (starting or stopping a process: short and bounded) to its end,
    even if cancelled again meanwhile, and raise a cancellation received afterwards.

    Without this a second cancellation (a parent task cancelling its children after a first
    one, as asyncio.gather does) returns while ffmpeg is still starting or running.
    """
    task = asyncio.ensure_future(awaitable)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


async def run_ffmpeg(
    args: Sequence[str],
    *,
    on_progress: Callable[[float], None] | None = None,
    timeout: float | None = None,
    group: ProcessGroup | None = None,
    on_output: Callable[[str], None] | None = None,
) -> FfmpegResult:
    """Run ``args`` (binary first) and return its status and log.

    ``on_progress`` receives the output position in seconds whenever ffmpeg reports it (the
    caller adds ``-progress pipe:1``); ``on_output`` receives every line ffmpeg writes on
    its standard output instead (an output written to ``pipe:1``). Raises
    :class:`TimeoutError` after ``timeout`` seconds (of work: time paused in ``group`` does
    not count) and propagates cancellation, in both cases after the process has exited.
    """
    guard = children.current()
    starting = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "AV_LOG_FORCE_NOCOLOR": "1"},
            **_spawn_options(group.inherit_fds if group is not None else ()),
        )
    )
    try:
        proc = await _through_cancellation(starting)
    except asyncio.CancelledError:  # cancelled while starting: it started all the same
        if not starting.cancelled() and starting.exception() is None:
            started = starting.result()
            guard.adopt(started.pid)
            await _through_cancellation(_terminate(started))
            guard.release(started.pid)
        raise
    guard.adopt(proc.pid)
    if group is not None:
        group.add(proc)
    head: list[str] = []
    tail: deque[str] = deque(maxlen=_STDERR_TAIL)

    async def read_stderr() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if len(head) < _STDERR_HEAD:
                head.append(line)
            else:
                tail.append(line)

    async def read_progress() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            if on_output is not None:
                on_output(raw.decode("utf-8", "replace").rstrip())
                continue
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and on_progress is not None and value.lstrip("-").isdigit():
                on_progress(max(0, int(value)) / 1_000_000)

    try:
        async with asyncio.timeout(None) as limit:
            clock = group.active_time if group is not None else time.monotonic
            deadline = _Deadline(limit, timeout, clock) if timeout is not None else None
            try:
                await asyncio.gather(read_stderr(), read_progress(), proc.wait())
            finally:
                if deadline is not None:
                    deadline.cancel()
    finally:
        await _through_cancellation(_terminate(proc))
        await _through_cancellation(_drain(proc))
        guard.release(proc.pid)
        if group is not None:
            group.discard(proc)
    return FfmpegResult(proc.returncode if proc.returncode is not None else -1, [*head, *tail])


class _Deadline:
    """Expires ``limit`` once ``clock`` has advanced ``seconds``; a clock that stops (a
    paused group's) pushes the end back."""

    def __init__(self, limit: asyncio.Timeout, seconds: float, clock: Callable[[], float]) -> None:
        self._loop = asyncio.get_running_loop()
        self._limit = limit
        self._clock = clock
        self._end = clock() + seconds
        self._handle = self._loop.call_later(max(0.0, seconds), self._check)

    def _check(self) -> None:
        left = self._end - self._clock()
        if left <= 0:
            self._limit.reschedule(self._loop.time())
        else:
            self._handle = self._loop.call_later(left, self._check)

    def cancel(self) -> None:
        self._handle.cancel()
