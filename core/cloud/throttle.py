"""An upload rate limit shared by every upload of a runner (``--upload-limit-mbps``).

A token bucket: bytes may go out at ``mbps`` on average, with bursts of a quarter of a
second's worth (a piece read beyond that is paid for by waiting before the next one).
Request bodies are handed to the SDK as :class:`LimitedBody` objects, which take tokens as
the SDK reads them to send, so the rate holds within each request, not just between
parts. The S3 client must then read each body once (see ``stack.UPLOAD_CONFIG``).
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

CHUNK = 64 * 1024


class UploadStopped(Exception):
    """The upload was stopped on request; it can be resumed."""


class RateLimit:
    def __init__(self, mbps: float) -> None:
        if not mbps > 0:
            raise ValueError("an upload limit must be more than 0 Mbit/s")
        self.mbps = mbps
        self.rate = mbps * 1e6 / 8  # bytes per second
        self.burst = max(1024.0, self.rate / 4)
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self, count: int, stop: threading.Event | None = None) -> None:
        """Wait until ``count`` bytes may be sent (raises :class:`UploadStopped` if ``stop``
        is set meanwhile)."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= min(count, self.burst):
                    self._tokens -= count  # may go below 0: the next caller waits longer
                    return
                wait = (min(count, self.burst) - self._tokens) / self.rate
            if stop is not None and stop.wait(min(wait, 0.25)):
                raise UploadStopped()
            if stop is None:
                time.sleep(min(wait, 0.25))


class LimitedBody(io.RawIOBase):
    """``data`` as a file the SDK reads, no faster than ``limit`` allows."""

    def __init__(
        self,
        data: bytes,
        limit: RateLimit | None,
        stop: threading.Event | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._limit = limit
        self._stop = stop
        self._on_read = on_read  # told of every piece read to send (activity)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = max(0, min(len(self._data), base + offset))
        return self._pos

    def __len__(self) -> int:
        return len(self._data)

    def read(self, size: int | None = -1) -> bytes:
        left = len(self._data) - self._pos
        count = left if size is None or size < 0 else min(size, left)
        start = self._pos
        for offset in range(0, count, CHUNK):  # paced in pieces the bucket can hold
            piece = min(CHUNK, count - offset)
            if self._limit is not None:
                self._limit.take(piece, self._stop)
            if self._on_read is not None:
                self._on_read(piece)
            self._pos += piece
        return bytes(self._data[start : self._pos])

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)
