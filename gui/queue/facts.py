"""The length and size of waiting videos, read from their headers before their jobs start,
so that their rows say them and the status bar can tell how long the queue will take.

One ffmpeg reads one header at a time (no picture is decoded: a few tens of milliseconds a
video), in the background; a video it cannot read is left as it is, and its job says why
when it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from core.errors import FrameFanError
from core.probe import probe_header

from .entry import QUEUED
from .model import QueueModel

log = logging.getLogger(__name__)


class FactsKeeper:
    def __init__(
        self,
        model: QueueModel,
        spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
        ffmpeg: Callable[[], str | None],
    ) -> None:
        self._model = model
        self._spawn = spawn
        self._ffmpeg = ffmpeg
        self._tried: set[str] = set()  # entry ids looked at (whatever the outcome)
        self._running: asyncio.Task[None] | None = None

    def update(self) -> None:
        """Look at the waiting videos whose facts are not known yet."""
        idle = self._running is None or self._running.done()
        if idle and self._next() is not None:
            self._running = self._spawn(self._read_all())

    def _next(self):
        for entry in self._model:
            if (
                entry.status == QUEUED
                and entry.input
                and entry.duration is None
                and entry.id not in self._tried
            ):
                return entry
        return None

    async def _read_all(self) -> None:
        while (entry := self._next()) is not None:
            self._tried.add(entry.id)
            try:
                info = await probe_header(entry.input or "", ffmpeg=self._ffmpeg())
            except (FrameFanError, OSError) as exc:  # its job will say what is wrong
                log.debug("%s: header not read: %s", entry.name, exc)
                continue
            if entry.duration is None and self._model.entry(entry.id) is entry:
                entry.duration, entry.width, entry.height = info.duration, info.width, info.height
                self._model.touch(entry.id)
