"""A thread pool for blocking calls that may wait on the network, which the window can wind
down on close without blocking its event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any


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
