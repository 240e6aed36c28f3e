"""The pictures of a GIF by number, for a GIF that follows the playhead.

A GIF picture builds on the ones before it (each frame paints only what changed), so
picture ``n`` is had by decoding pictures 0 to ``n`` in order: cheap going forward, as in
playback (a fraction of a millisecond a picture at 240 px), dear going back. Decoding runs
on one background thread so that no jump holds up the window; only the latest request is
served (a fast scrub skips what it passed over), and the pictures before the one asked for
are kept within a byte budget, so that stepping or playing backward mostly finds them ready.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QImageReader

from core.errors import FrameFanError
from core.safe_read import check_job_file

KEEP_BYTES = 16 * 1024 * 1024  # decoded pictures kept for stepping back (~120 at 240×135)
MAX_GIF_BYTES = 2 * 1024**3  # a GIF's file, at most (it is read as it plays, not whole)
_MAX_DECODED_MB = 256  # one picture decoded, at most


class GifFrames(QObject):
    # path, picture number (the last one there is when the GIF has fewer), the picture,
    # and the GIF's number of pictures (0: it could not be read)
    ready = Signal(object, int, object, int)
    _delivered = Signal(object, int, object, int)

    def __init__(self, keep_bytes: int = KEEP_BYTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = _Worker(keep_bytes, self._delivered.emit)
        self._delivered.connect(self.ready)

    def request(self, path: Path, n: int) -> None:
        """Decode picture ``n`` of ``path``; :attr:`ready` follows (for the latest request
        only, when requests come faster than pictures)."""
        self._worker.want(path, max(0, n))

    def forget(self) -> None:
        """Read GIFs from their files again (one may have been written anew)."""
        self._worker.forget()

    def idle(self) -> bool:
        return self._worker.idle()

    def stop(self) -> None:
        self._worker.stop()


class _Worker:
    def __init__(self, keep_bytes: int, deliver) -> None:
        self._keep_bytes = keep_bytes
        self._deliver = deliver
        self._cond = threading.Condition()
        self._wanted: tuple[Path, int] | None = None
        self._generation = 0  # raised by forget(): files decoded before are read again
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        # Decoder state (worker thread only):
        self._path: Path | None = None
        self._opened_generation = 0
        self._reader: QImageReader | None = None
        self._count = 0
        self._index = -1  # number of the picture last decoded
        self._image: QImage | None = None
        self._kept: OrderedDict[int, QImage] = OrderedDict()
        self._kept_bytes = 0

    def want(self, path: Path, n: int) -> None:
        with self._cond:
            if self._stopped:
                return
            self._wanted = (path, n)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="framefan-gif")
                self._thread.start()
            self._cond.notify()

    def forget(self) -> None:
        with self._cond:
            self._generation += 1

    def idle(self) -> bool:
        with self._cond:
            return self._wanted is None and not self._busy

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._wanted = None
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _work(self) -> None:
        _yield_to_the_window()
        while True:
            with self._cond:
                while self._wanted is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                path, n = self._wanted
                self._wanted = None
                self._busy = True
                generation = self._generation
            try:
                if generation != self._opened_generation:
                    self._path, self._opened_generation = None, generation
                result = self._picture(path, n)
                with self._cond:
                    if self._stopped:
                        return
                if result is not None:
                    self._deliver(path, result[0], result[1], self._count)
            finally:
                with self._cond:
                    self._busy = False

    def _picture(self, path: Path, n: int) -> tuple[int, QImage | None] | None:
        """Picture ``n`` of ``path`` (or the last one), or None when a newer request made
        it moot."""
        if path != self._path:
            self._open(path)
        if self._count:
            n = min(n, self._count - 1)
        kept = self._kept.get(n)
        if kept is not None:
            return n, kept
        if n < self._index:
            self._rewind()
        while self._index < n:
            newer = self._newer(path)
            if newer is not None:
                if newer < 0:
                    return None  # a request this one cannot go on to: serve it instead
                n = newer if not self._count else min(newer, self._count - 1)
                if n in self._kept:
                    return n, self._kept[n]
            image = self._reader.read() if self._reader is not None else QImage()
            if image.isNull():  # cut short: the last picture there is
                self._count = self._index + 1
                break
            self._index += 1
            self._image = image
            self._keep(self._index, image)
        return self._index, self._image

    def _newer(self, path: Path) -> int | None:
        """A newer request this decoding can go on to (a later picture of the same GIF):
        its picture number, the request consumed. -1 for any other newer request (left for
        the main loop); None when there is none."""
        with self._cond:
            if self._wanted is None:
                return None
            wanted_path, wanted_n = self._wanted
            if wanted_path != path or wanted_n < self._index:
                return -1
            self._wanted = None
            return wanted_n

    def _open(self, path: Path) -> None:
        self._path = path
        self._kept.clear()
        self._kept_bytes = 0
        counter = _reader(path)
        self._count = max(0, counter.imageCount()) if counter and counter.canRead() else 0
        self._rewind()

    def _rewind(self) -> None:
        self._reader = _reader(self._path) if self._path else None
        self._index = -1
        self._image = None

    def _keep(self, index: int, image: QImage) -> None:
        """Keep the pictures decoded last (the ones before a picture asked for)."""
        if index in self._kept:
            self._kept.move_to_end(index)
            return
        self._kept[index] = image
        self._kept_bytes += image.sizeInBytes()
        while self._kept_bytes > self._keep_bytes and len(self._kept) > 1:
            _, old = self._kept.popitem(last=False)
            self._kept_bytes -= old.sizeInBytes()


def _reader(path: Path) -> QImageReader | None:
    """A reader of the job's GIF at ``path``: a regular file in its job folder (never a FIFO
    or a device, nor a link out of the folder), or None. It is read as it plays, on this
    thread, so only its size is bounded."""
    try:
        check_job_file(path, within=path.parent.parent, limit=MAX_GIF_BYTES)
    except (OSError, FrameFanError):
        return None
    reader = QImageReader(str(path))
    reader.setAllocationLimit(_MAX_DECODED_MB)
    return reader


def _yield_to_the_window() -> None:
    """Run this thread at a lower priority (where the system allows): on a busy machine, the
    still at the playhead is decoded and painted first, the GIF's picture after."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
