"""The window's background work: its asyncio tasks (each failure logged and reported, all
ended together on close), and a thread pool for blocking calls that may wait on the network,
which the window can wind down on close without blocking its event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """Tasks run on the event loop for the window. A task that fails unexpectedly is logged
    with its traceback and reported through ``report`` (one line for the user), never
    raised into Qt."""

    def __init__(self, report: Callable[[BaseException | None], None]) -> None:
        self._report = report
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def busy(self) -> bool:
        return bool(self._tasks)

    async def cancel_others(self) -> None:
        """Cancel every task but the one running this, and wait for them to end."""
        current = asyncio.current_task()
        others = [t for t in self._tasks if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("unexpected error", exc_info=exc)
            self._report(exc)


class NetworkPool(Executor):
    """Like a ThreadPoolExecutor, plus :meth:`aclose`: drop the calls not started and wait,
    on the event loop, for those under way (they end within their own timeouts)."""

    def __init__(self, workers: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._running: set[Future[Any]] = set()

    def submit(self, fn, /, *args, **kwargs) -> Future[Any]:
        future = self._pool.submit(fn, *args, **kwargs)
        self._running.add(future)
        future.add_done_callback(self._running.discard)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    async def aclose(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        running = [asyncio.wrap_future(f) for f in list(self._running)]
        if running:
            await asyncio.wait(running)
        self._pool.shutdown(wait=True)  # its threads are idle by now: they end at once
