"""Running one ffmpeg process: argument list in, exit status and log out.

ffmpeg always runs from an argument list (never a shell), without stdin, in its own process
group, with its ``-progress`` output parsed into a callback. Cancelling the awaiting task or
hitting the timeout terminates the process and waits for it, so no child outlives its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

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
    """The ffmpeg processes of one job, so they can be paused and resumed together."""

    def __init__(self) -> None:
        self._procs: set[asyncio.subprocess.Process] = set()
        self.paused = False

    def add(self, proc: asyncio.subprocess.Process) -> None:
        self._procs.add(proc)
        if self.paused:
            _signal(proc, "SIGSTOP")

    def discard(self, proc: asyncio.subprocess.Process) -> None:
        self._procs.discard(proc)

    def pause(self) -> None:
        """Suspend running processes (POSIX); on other systems they run to completion."""
        self.paused = True
        for proc in self._procs:
            _signal(proc, "SIGSTOP")

    def resume(self) -> None:
        self.paused = False
        for proc in self._procs:
            _signal(proc, "SIGCONT")


def _signal(proc: asyncio.subprocess.Process, name: str) -> None:
    sig = getattr(signal, name, None)
    if sig is None or proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


def _spawn_options() -> dict[str, object]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP}
    # Own session: a Ctrl-C in the terminal reaches FrameFan only, which then stops its
    # children itself instead of ffmpeg dying half-way through writing a file.
    return {"start_new_session": True}


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
) -> FfmpegResult:
    """Run ``args`` (binary first) and return its status and log.

    ``on_progress`` receives the output position in seconds whenever ffmpeg reports it (the
    caller adds ``-progress pipe:1``). Raises :class:`TimeoutError` after ``timeout`` seconds
    and propagates cancellation, in both cases after the process has exited.
    """
    starting = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "AV_LOG_FORCE_NOCOLOR": "1"},
            **_spawn_options(),
        )
    )
    try:
        proc = await _through_cancellation(starting)
    except asyncio.CancelledError:  # cancelled while starting: it started all the same
        if not starting.cancelled() and starting.exception() is None:
            await _through_cancellation(_terminate(starting.result()))
        raise
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
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and on_progress is not None and value.lstrip("-").isdigit():
                on_progress(max(0, int(value)) / 1_000_000)

    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(read_stderr(), read_progress(), proc.wait())
    finally:
        await _through_cancellation(_terminate(proc))
        if group is not None:
            group.discard(proc)
    return FfmpegResult(proc.returncode if proc.returncode is not None else -1, [*head, *tail])
