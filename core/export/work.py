"""How exports run: as coroutines that report progress and stop when cancelled.

Every export is an ``async`` function taking ``on_progress`` (a callable receiving the
fraction done, 0–1, on the event loop's thread). Cancelling the task that awaits it stops it:
ffmpeg through :func:`core.ffmpeg_process.run_ffmpeg`, picture work (Pillow, in a worker
thread so the loop stays free) at its next step. Nothing is left half-written (see
:mod:`core.export.output`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..errors import ExportError
from ..ffmpeg_process import FfmpegResult, run_ffmpeg

T = TypeVar("T")
ProgressCallback = Callable[[float], None]


class _Stopped(Exception):
    """Raised inside a worker thread when its task was cancelled."""


class Steps:
    """Handed to picture work running in a thread: :meth:`done` reports progress and stops
    the work when its task has been cancelled."""

    def __init__(self, cancelled: threading.Event, report: ProgressCallback) -> None:
        self._cancelled = cancelled
        self._report = report

    def done(self, fraction: float) -> None:
        if self._cancelled.is_set():
            raise _Stopped
        self._report(min(1.0, max(0.0, fraction)))

    def part(self, low: float, high: float) -> Steps:
        """Steps of a part of the work, reported as ``[low, high]`` of the whole."""
        return Steps(self._cancelled, lambda f: self.done(low + (high - low) * f))


def reporter(on_progress: ProgressCallback | None, low: float = 0.0, high: float = 1.0):
    """A progress callback mapping 0–1 onto ``[low, high]`` of ``on_progress``."""

    def report(fraction: float) -> None:
        if on_progress is not None:
            on_progress(low + (high - low) * min(1.0, max(0.0, fraction)))

    return report


async def in_thread(work: Callable[[Steps], T], on_progress: ProgressCallback | None) -> T:
    """Run ``work`` in a worker thread; cancelling the caller stops it at its next step and
    returns only once the thread has finished."""
    loop = asyncio.get_running_loop()
    cancelled = threading.Event()

    def report(fraction: float) -> None:
        if on_progress is not None:
            loop.call_soon_threadsafe(on_progress, fraction)

    future = loop.run_in_executor(None, work, Steps(cancelled, report))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancelled.set()
        while not future.done():
            try:
                await asyncio.shield(future)
            except asyncio.CancelledError:
                continue
            except BaseException:
                break
        raise


async def run_checked(
    args: Sequence[str],
    what: str,
    *,
    duration: float = 0.0,
    on_progress: ProgressCallback | None = None,
) -> FfmpegResult:
    """Run ffmpeg, mapping its output position over ``duration`` seconds to progress, and
    raise :class:`ExportError` naming ``what`` when it fails."""

    def progress(position: float) -> None:
        if on_progress is not None and duration > 0:
            on_progress(min(1.0, position / duration))

    result = await run_ffmpeg(args, on_progress=progress)
    if not result.ok:
        raise ExportError(f"{what}: {result.last_error()}")
    return result
